/**
 * `zkr devnet`: a local chain with the rollup deployed. Makes (or reuses) the insecure dev keys of
 * a configuration, compiles the contracts, starts anvil on 127.0.0.1, deploys Poseidon(6), the
 * verifier and the rollup (anvil's account 0 deploys and operates), registers a test ERC-20 (zUSD,
 * token 1, a million to each of anvil's accounts), and writes the deployment to
 * `build/devnet/deployment.json` (temp file + rename) for the other commands. Ctrl-C (SIGINT) or
 * SIGTERM stops anvil and removes the file; the chain's state is not kept.
 */
import type { Command } from "commander";
import { descriptionOf } from "./index.js";
import path from "node:path";
import { DEVNET_DIR } from "../../contracts/devnet-files.js";
import { int } from "./options.js";

export function registerDevnet(program: Command): void {
  program
    .command("devnet")
    .description(descriptionOf("devnet"))
    .option("--txs <n>", "transactions per batch", int("txs"), 4)
    .option("--depth <d>", "account-index bits of the state tree", int("depth"), 8)
    .option("--port <port>", "anvil's port (0: any free port)", int("port"), 8545)
    .option("--out <dir>", "directory of deployment.json", DEVNET_DIR)
    .option("--keep", "keep the chain in --out when stopped, and resume it if kept there")
    .option("--fresh", "discard a kept chain in --out first")
    .action(async (o: { txs: number; depth: number; port: number; out: string; keep?: boolean; fresh?: boolean }) => {
      const [{ DEV_KEYS_WARNING }, { launchDevnet }] = await Promise.all([import("../../circuits/devkeys.js"), import("../../contracts/devnet.js")]);
      const say = (l: string) => console.error(`devnet  ${l}`);
      console.error(DEV_KEYS_WARNING);
      const { anvil, deployment, file: outFile, stop } = await launchDevnet({ ...o, log: say });
      const name = deployment.configuration.circuit;

      console.log(`rpc url:     ${deployment.rpcUrl} (chain id ${deployment.chainId})`);
      console.log(`rollup:      ${deployment.addresses.rollup} (${name}, dev keys)`);
      console.log(`verifier:    ${deployment.addresses.verifier}`);
      console.log(`poseidon6:   ${deployment.addresses.poseidon6}`);
      console.log(`poseidon4:   ${deployment.addresses.poseidon4}`);
      for (const t of deployment.tokens ?? []) console.log(`token ${t.id}:     ${t.address} (${t.symbol}, ${t.decimals} decimals; anvil's accounts hold it)`);
      console.log(`operator:    ${deployment.operator} (anvil account 0)`);
      console.log(`deployment:  ${path.relative(process.cwd(), outFile) || outFile}`);
      console.log(o.keep ? "Ctrl-C stops the chain (kept: 'zkr devnet --keep' resumes it)." : "Ctrl-C stops the chain (its state is not kept; --keep keeps it).");

      // Runs until a signal, or until anvil dies on its own.
      const result = await new Promise<"signal" | "anvil-exited">((resolve) => {
        const onSignal = () => resolve("signal");
        process.once("SIGINT", onSignal);
        process.once("SIGTERM", onSignal);
        // Ctrl-C in a terminal reaches anvil too (same process group): it exits 0 or by the signal.
        anvil.process.once("exit", (code, signal) =>
          resolve(code === 0 || signal === "SIGINT" || signal === "SIGTERM" ? "signal" : "anvil-exited"));
      });
      await stop();
      if (result === "anvil-exited") throw new Error("anvil exited; the devnet is gone");
      console.error("devnet  stopped");
    });
}
