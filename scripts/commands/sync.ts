/**
 * `zkr sync`: rebuilds the rollup's whole state from L1 alone (L1Request logs and the
 * BatchVerified calldata), checks every logged root on the way, and compares the result with the
 * contract's stateRoot. Exits with status 1 when they differ.
 */
import type { Command } from "commander";
import { descriptionOf } from "./index.js";
import fs from "node:fs";
import path from "node:path";
import { DEVNET_DIR, DEPLOYMENT_FILE, type DevnetDeployment } from "../../contracts/devnet-files.js";
import { int } from "./options.js";
import { hex32 } from "../../core/bytes.js";

/** A balance as people read it: ETH (token 0) in ETH with its wei; another token in its smallest unit. */

export function registerSync(program: Command): void {
  program
    .command("sync")
    .description(descriptionOf("sync"))
    .option("--deployment <file>", "deployment.json of a devnet (RPC URL, rollup, deploy block)", path.join(DEVNET_DIR, DEPLOYMENT_FILE))
    .option("--rpc <url>", "L1 RPC URL (instead of --deployment)")
    .option("--rollup <address>", "rollup contract (instead of --deployment)")
    .option("--from-block <n>", "first block to read (the rollup's deployment)", int("from-block"))
    .option("--accounts", "print every account")
    .option("--db <file>", "also write a new sequencer database from it (a sequencer that lost its own starts again from L1)")
    .action(async (o: { deployment: string; rpc?: string; rollup?: string; fromBlock?: number; accounts?: boolean; db?: string }) => {
      const [{ l1Provider }, { syncFromL1, writeSyncedDatabase }] = await Promise.all([import("../../contracts/provider.js"), import("../../sequencer/sync.js")]);
      const { ethAmount } = await import("../../sequencer/wallet.js");
      const balance = (tokenId: bigint, amount: bigint) => (tokenId === 0n ? ethAmount(amount) : `${amount} of token ${tokenId}`);
      let rpc = o.rpc;
      let rollup = o.rollup;
      let fromBlock = o.fromBlock;
      if (!rpc || !rollup) {
        if (!fs.existsSync(o.deployment)) throw new Error(`${o.deployment}: not found; start 'zkr up' (or 'zkr devnet'), or pass --rpc and --rollup`);
        const d = JSON.parse(fs.readFileSync(o.deployment, "utf8")) as DevnetDeployment;
        rpc ??= d.rpcUrl;
        rollup ??= d.addresses.rollup;
        fromBlock ??= d.deployBlock;
      }
      // --rpc names a real chain; the devnet's deployment file, the local anvil.
      const provider = l1Provider(rpc, { devnet: !o.rpc });
      try {
        const t0 = performance.now();
        const r = await syncFromL1({ provider, rollupAddress: rollup, fromBlock: fromBlock ?? 0, log: (l) => console.error(`sync  ${l}`) });
        console.log(`read blocks ${fromBlock ?? 0}..${r.toBlock} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
        console.log(`L1 requests: ${r.queue.length} (${r.state.queueNext} consumed)`);
        console.log(`batches:     ${r.batches}`);
        console.log(`accounts:    ${r.state.accounts.size}`);
        if (o.accounts) for (const [i, a] of [...r.state.accounts].sort((x, y) => Number(x[0] - y[0]))) console.log(`  ${i}: balance ${balance(a.tokenId, a.balance)}, nonce ${a.nonce}, L1 0x${a.ethAddr.toString(16).padStart(40, "0")}`);
        console.log(`root:        ${hex32(r.state.root)}`);
        console.log(`on-chain:    ${hex32(r.onChainRoot)}`);
        if (!r.matches) throw new Error("the rebuilt root differs from the contract's stateRoot");
        console.log("OK: the state rebuilt from L1 reaches the on-chain root");
        if (o.db) {
          writeSyncedDatabase(o.db, r, rollup);
          console.log(`sequencer database written: ${o.db} (L1 read up to block ${r.toBlock})`);
        }
      } finally {
        provider.destroy();
      }
    });
}
