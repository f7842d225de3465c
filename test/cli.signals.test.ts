/**
 * `zkr prove` stops on SIGTERM and SIGINT while it proves, on either backend: at once, with one
 * line on stderr, exit status 128 + the signal's number, no proof written and no process left
 * proving. On the webgpu backend (llvmpipe through Dawn here) the proving thread sits in native
 * code for tens of seconds at a time, which is what scripts/supervise.ts is for: it proves in the
 * supervisor's child. The cpu backend's work is on worker threads, so it proves in-process, with
 * no supervisor. This test fails on a machine without a WebGPU adapter, like
 * test/prover.webgpu.test.ts.
 *
 * The circuit is test/circuits/signals_big.circom (2^17): its proof takes seconds on the cpu
 * backend, so a signal sent when the command logs "proving on …" arrives while it proves.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT, compileCircomFile } from "../circuits/build.js";
import { devSetup } from "../circuits/devsetup.js";
import { alive } from "./helpers/wait.js";

/** Generous: a stopped `zkr prove` exits in well under a second here. */
const DEADLINE_MS = 30_000;

let dir: string;
let zkey: string;
let wasm: string;
let input: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkr-signals-"));
  const art = await compileCircomFile(path.join(ROOT, "test/circuits/signals_big.circom"), path.join(dir, "big"));
  wasm = art.wasm;
  zkey = path.join(dir, "big.zkey");
  await devSetup({ r1csFile: art.r1cs, ptauOut: path.join(dir, "big.ptau"), zkeyOut: zkey });
  input = path.join(dir, "input.json");
  fs.writeFileSync(input, JSON.stringify({ a: 3, b: 5, pub1: 7 }));
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * Pids of the `zkr` processes whose parent is `pid` (Linux: /proc). Other children (tsx's esbuild
 * service, started when a file is not in its cache) are not the proving process.
 */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // stat: "pid (comm) state ppid …"; comm may hold spaces and parentheses, so read after the last ')'.
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) !== pid) continue;
      if (fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").includes("zkr.js")) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Starts `zkr prove`, waits for it to say it is proving, sends `signal`, and reports how it ended. */
async function proveThenSignal(backend: string, signal: NodeJS.Signals) {
  const proof = path.join(dir, `proof-${backend}-${signal}.json`);
  const child = spawn(process.execPath, [path.join(ROOT, "bin/zkr.js"), "prove", "--zkey", zkey, "--wasm", wasm, "--input", input, "--backend", backend, "--proof", proof, "--public", path.join(dir, "public.json")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdout.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, sig) => resolve({ code, signal: sig })));
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (/^prove {2}proving on /m.test(stderr)) {
        child.stderr.off("data", check);
        resolve();
      }
    };
    child.stderr.on("data", check);
    void exited.then(() => reject(new Error(`zkr prove ended before it started proving:\n${stderr}`)));
  });
  const workers = process.platform === "linux" ? childrenOf(child.pid!) : [];
  const t0 = Date.now();
  child.kill(signal);
  // Should it hang, end it so the test reports instead of timing out.
  const guard = setTimeout(() => child.kill("SIGKILL"), DEADLINE_MS * 2);
  const end = await exited;
  clearTimeout(guard);
  return { ...end, ms: Date.now() - t0, stderr, workers, proofWritten: fs.existsSync(proof) };
}

describe.each([
  ["cpu", "SIGTERM"],
  ["cpu", "SIGINT"],
  ["webgpu", "SIGTERM"],
] as const)("zkr prove --backend %s", (backend, signal) => {
  test(`stops on ${signal} while proving: at once, one line, status 128 + ${os.constants.signals[signal]}`, async () => {
    const r = await proveThenSignal(backend, signal);
    expect(r.stderr).toMatch(new RegExp(`^prove {2}backend: ${backend}`, "m"));
    expect({ code: r.code, signal: r.signal }).toEqual({ code: 128 + os.constants.signals[signal], signal: null });
    expect(r.ms).toBeLessThan(DEADLINE_MS);
    expect(r.stderr.match(/^zkr: .*$/gm)).toEqual([`zkr: prove stopped by ${signal}`]);
    expect(r.stderr).not.toMatch(/^prove {2}assemble:/m);
    expect(r.proofWritten).toBe(false);
    if (process.platform === "linux") {
      // webgpu: the process that proved (the supervisor's child) is gone too, not left running.
      // cpu: no child; it proved in the process that exited.
      expect(r.workers).toHaveLength(backend === "webgpu" ? 1 : 0);
      expect(r.workers.filter(alive)).toEqual([]);
    }
  });
});
