/**
 * `zkr prove`: a Groth16 proof of a circuit input with a zkey, on the chosen backend; writes
 * snarkjs-format proof.json and public.json.
 */
import type { Command } from "commander";
import { descriptionOf } from "./index.js";
import fs from "node:fs";

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
      // ZKR_CLI_TRACE=1: every line also says when, in ms since this process started (whole-process profiling).
      const trace = process.env.ZKR_CLI_TRACE ? (l: string) => process.stderr.write(`zkr: ${performance.now().toFixed(0)} ms: ${l}\n`) : undefined;
      trace?.("command parsed");
      const [{ createBackend, prove, readZkey, readZkeyInfo, writeProof }, { progressBars }] = await Promise.all([import("../../prover/index.js"), import("./progress.js")]);
      trace?.("modules loaded");
      const bars = progressBars();
      const log = (l: string) => (trace ? trace(l) : bars.log(`prove  ${l}`));
      const input = o.input ? (JSON.parse(fs.readFileSync(o.input, "utf8")) as Record<string, unknown>) : undefined;
      // The backend starts (its workers boot on their own threads) while this thread reads the key;
      // the key's header first, so that `auto` can size its choice to the key.
      const started = createBackend(o.backend, log, { power: readZkeyInfo(o.zkey).power });
      let key: ReturnType<typeof readZkey>;
      try {
        key = readZkey(o.zkey);
      } catch (err) {
        await (await started.catch(() => undefined))?.close();
        throw err;
      }
      trace?.("zkey read");
      const backend = await started;
      try {
        const { proof, publicSignals, timings } = await prove({ zkey: key, wasm: o.wasm, input, wtns: o.wtns, backend, log, progress: bars.progress }).finally(() => bars.stop());
        writeProof(o.proof, o.public, proof, publicSignals);
        trace?.("written");
        console.log(`proof written to ${o.proof}, public signals to ${o.public} (${timings.total.toFixed(2)} s proving)`);
      } finally {
        await backend.close();
        trace?.("backend closed");
      }
    });
}
