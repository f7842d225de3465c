/**
 * Starts anvil from the `@foundry-rs/anvil` npm package (its binary comes in the platform package,
 * e.g. `@foundry-rs/anvil-linux-amd64`) on 127.0.0.1, hardfork cancun, and returns its URL once it
 * listens. `port: 0` (the default) lets the OS pick a free port; the port is read from anvil's output.
 *
 * anvil never outlives its starter. It runs under a small shell in a process group of its own, so
 * a Ctrl-C at the terminal reaches only the starter, which stops its parts in order (anvil last);
 * the shell holds a pipe from the starter and stops anvil when that pipe closes — on `stop()`, or
 * when the starter dies, even by SIGKILL, and the kernel closes its end.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

export interface AnvilOptions {
  port?: number;
  chainId?: number;
  /** Seconds per block; undefined mines one block per transaction. */
  blockTime?: number;
  /** Extra command-line arguments. */
  args?: string[];
  /** Milliseconds to wait for anvil to listen. */
  startTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface Anvil {
  url: string;
  port: number;
  chainId: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

const PLATFORM_PACKAGES: Record<string, string> = {
  "linux-x64": "@foundry-rs/anvil-linux-amd64",
  "linux-arm64": "@foundry-rs/anvil-linux-arm64",
  "darwin-x64": "@foundry-rs/anvil-darwin-amd64",
  "darwin-arm64": "@foundry-rs/anvil-darwin-arm64",
  "win32-x64": "@foundry-rs/anvil-win32-amd64",
};

/** Path of the anvil binary shipped in the platform package. @throws when it is not installed. */
export function anvilBinary(): string {
  const pkg = PLATFORM_PACKAGES[`${process.platform}-${process.arch}`];
  if (!pkg) throw new Error(`anvil: no npm binary for ${process.platform}-${process.arch}`);
  let dir: string;
  try {
    dir = path.dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    throw new Error(`anvil: ${pkg} is not installed (it is an optional dependency of @foundry-rs/anvil; run npm install)`);
  }
  const bin = path.join(dir, "bin", process.platform === "win32" ? "anvil.exe" : "anvil");
  if (!fs.existsSync(bin)) throw new Error(`anvil: ${bin} is missing`);
  return bin;
}

/**
 * The shell around anvil (`$0` is anvil, `$@` its arguments): anvil in the background, then wait
 * for the end of stdin (the starter's pipe) and stop anvil.
 */
const WATCH_PARENT = `"$0" "$@" </dev/null & pid=$!
while read -r _; do :; done
kill -TERM "$pid" 2>/dev/null
wait "$pid"`;

/** Starts anvil and resolves once it listens. */
export async function startAnvil(opts: AnvilOptions = {}): Promise<Anvil> {
  const chainId = opts.chainId ?? 31337;
  const args = ["--host", "127.0.0.1", "--port", String(opts.port ?? 0), "--hardfork", "cancun", "--chain-id", String(chainId)];
  if (opts.blockTime !== undefined) args.push("--block-time", String(opts.blockTime));
  args.push(...(opts.args ?? []));
  const child = spawn("sh", ["-c", WATCH_PARENT, anvilBinary(), ...args], { stdio: ["pipe", "pipe", "pipe"], detached: true });
  const log = opts.log ?? (() => {});
  let output = "";
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => child.once("exit", () => { exited = true; resolve(); }));

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`anvil did not start within ${opts.startTimeoutMs ?? 20000} ms:\n${output}`)), opts.startTimeoutMs ?? 20000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      killGroup(child, "SIGKILL");
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      output += text;
      for (const line of text.split("\n")) if (line.trim()) log(line);
      const m = /Listening on [^\s]*:(\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("error", (err) => fail(err));
    child.once("exit", (code, signal) => fail(new Error(`anvil exited (${code ?? signal}) before listening:\n${output}`)));
  });
  // Keep draining its output so the pipe never fills.
  child.stdout!.removeAllListeners("data");
  child.stderr!.removeAllListeners("data");
  child.stdout!.on("data", () => {});
  child.stderr!.on("data", () => {});

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    chainId,
    process: child,
    async stop() {
      if (exited) return;
      child.stdin!.end();
      const timer = setTimeout(() => killGroup(child, "SIGKILL"), 5000);
      await exitPromise;
      clearTimeout(timer);
    },
  };
}

/** Signals the shell and anvil together (their process group). */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}
