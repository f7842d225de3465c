/**
 * `zkr prove`: a Groth16 proof of a circuit input with a zkey, on the chosen backend; writes
 * snarkjs-format proof.json and public.json.
 */
import type { Command } from "commander";
import { descriptionOf } from "./index.js";
import fs from "node:fs";

/**
 * Whether `zkr prove ARGS` may load Dawn (prover/index.ts's mayLoadWebGpu), from its --backend and
 * its key's header, read here as prove will read it. Without Dawn it runs in-process: a
 * supervisor process would add its own start (~0.13 s) and memory (~45 MiB) to a one-shot proof.
 * An argument it cannot read leaves the answer to the command itself, in-process: it fails fast.
 */
export async function proveNeedsSupervisor(args: string[]): Promise<boolean> {
  const value = (name: string): string | undefined => {
    const i = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
    if (i < 0) return undefined;
    return args[i].startsWith(`${name}=`) ? args[i].slice(name.length + 1) : args[i + 1];
  };
  const { mayLoadWebGpu, readZkeyInfo } = await import("../../prover/index.js");
  const backend = value("--backend") ?? "auto";
  if (backend !== "auto") return mayLoadWebGpu(backend);
  const zkey = value("--zkey");
  let power: number;
  try {
    power = readZkeyInfo(zkey ?? "").power;
  } catch {
    return false;
  }
  return mayLoadWebGpu(backend, power);
}

export function registerProve(program: Command): void {
  program
    .command("prove")
    .description(descriptionOf("prove"))
    .requiredOption("--zkey <file>", "proving key (.zkey)")
    .option("--wasm <file>", "the circuit's witness generator (.wasm), with --input")
    .option("--input <file>", "circuit input (JSON)")
    .option("--wtns <file>", "a ready witness (.wtns) instead of --wasm/--input")
    .option("--backend <name>", "auto | webgpu | cpu | ffjs (snarkjs's engine, for comparison)", "auto")
    .option("--proof <file>", "where to write the proof", "proof.json")
    .option("--public <file>", "where to write the public signals", "public.json")
    .action(async (o: { zkey: string; wasm?: string; input?: string; wtns?: string; backend: string; proof: string; public: string }) => {
      // ZKR_CLI_TRACE=1: every line also says when (ms since this process started) and the process's
      // resident memory then: a whole-process profile.
      const trace = process.env.ZKR_CLI_TRACE
        ? (l: string) => process.stderr.write(`zkr: ${performance.now().toFixed(0)} ms, ${(process.memoryUsage.rss() / 2 ** 20).toFixed(0)} MiB: ${l}\n`)
        : undefined;
      trace?.("command parsed");
      const [{ createBackend, prove, readZkeyInfo, writeProof }, { progressBars }] = await Promise.all([import("../../prover/index.js"), import("./progress.js")]);
      trace?.("modules loaded");
      const bars = progressBars();
      const log = (l: string) => (trace ? trace(l) : bars.log(`prove  ${l}`));
      const input = o.input ? (JSON.parse(fs.readFileSync(o.input, "utf8")) as Record<string, unknown>) : undefined;
      // The key's header first, so that `auto` can size its choice to the key; prove() reads the
      // rest while the backend starts.
      const started = createBackend(o.backend, log, { power: readZkeyInfo(o.zkey).power });
      try {
        const { proof, publicSignals, timings } = await prove({ zkey: o.zkey, wasm: o.wasm, input, wtns: o.wtns, backend: started, log, progress: bars.progress }).finally(() => bars.stop());
        writeProof(o.proof, o.public, proof, publicSignals);
        trace?.("written");
        console.log(`proof written to ${o.proof}, public signals to ${o.public} (${timings.total.toFixed(2)} s proving)`);
      } finally {
        // A backend that did not start was the error already thrown.
        await (await started.catch(() => undefined))?.close();
        trace?.("backend closed");
      }
    });
}
