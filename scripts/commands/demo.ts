/**
 * `zkr demo`: the protocol end to end without a chain. Three users deposit (through the L1 queue
 * as the contract would fill it), transfer, withdraw and force an exit; every batch is applied by
 * the state model, checked against the compiled circuit (witness + R1CS check), proven by zkr's
 * CPU prover on development keys and verified with snarkjs.
 */
import type { Command } from "commander";
import { descriptionOf } from "./index.js";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { L1Kind, TxType } from "../../sequencer/model/constants.js";
import type { Tx } from "../../sequencer/model/tx.js";

const ETH = 10n ** 18n;

function describeTx(tx: Tx): string {
  switch (tx.type) {
    case TxType.Noop: return "noop";
    case TxType.Deposit: return `deposit → account ${tx.index}`;
    case TxType.Transfer: return `transfer ${tx.amount} from ${tx.from} to ${tx.to} (fee ${tx.fee})`;
    case TxType.Withdraw: return `withdraw ${tx.amount} from ${tx.from} (fee ${tx.fee})`;
    case TxType.ForcedExit: return `forced exit of account ${tx.index}: ${tx.amount} paid out on L1`;
    case TxType.Rejected: return `L1 request of account ${tx.index} rejected (its deposit is refunded on L1)`;
  }
}

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description(descriptionOf("demo"))
    .option("--depth <d>", "account-index bits of the state tree", "8")
    .action(async (o: { depth: string }) => {
      // Loaded here, not at the top, so that `zkr demo --help` answers at once.
      const [{ DEV_KEYS_WARNING, devKeys }, { checkWitness, computeWitness, releaseSnarkjs, writeWtns }, { applyBatch }, { privateKeyFromSeed, publicKey }, { L1Queue }, { RollupState }, { signTx }, { Groth16Prover, createBackend, readZkey, witnessToBytes }] =
        await Promise.all([
          import("../../circuits/devkeys.js"), import("../../circuits/witness.js"), import("../../sequencer/model/batch.js"), import("../../sequencer/model/keys.js"),
          import("../../sequencer/model/queue.js"), import("../../sequencer/model/state.js"), import("../../sequencer/model/tx.js"), import("../../prover/index.js"),
        ]);
      const depth = Number(o.depth);
      const slots = 4;
      const chainId = 31337n;
      // No chain here: the domain is derived from chain 31337 and a placeholder rollup address.
      const rollup = "0x000000000000000000000000000000000000dEaD";
      const keys = await devKeys({ txs: slots, depth }, { log: (l) => console.log(`keys     ${l}`) });
      const art = keys.circuit;
      console.error(DEV_KEYS_WARNING);
      const backend = await createBackend("cpu");
      const prover = await Groth16Prover.create(readZkey(keys.zkey), backend);
      const snarkjs = await import("snarkjs");
      const vkey = JSON.parse(fs.readFileSync(keys.vkey, "utf8"));
      const state = new RollupState({ depth, chainId, rollup });
      const queue = new L1Queue();
      const users = ["operator", "alice", "bob"].map((name) => {
        const sk = privateKeyFromSeed(`zkr-demo-${name}`);
        return { name, sk, pk: publicKey(sk), ethAddr: BigInt(`0x${Buffer.from(sk).toString("hex").slice(0, 40)}`) };
      });
      const create = (u: (typeof users)[number], amount: bigint): Tx => {
        const index = queue.nextAccountIndex;
        queue.append({ kind: L1Kind.CreateDeposit, index, tokenId: 0n, ethAddr: u.ethAddr, amount, ax: u.pk[0], ay: u.pk[1] });
        console.log(`L1       ${u.name} deposits ${amount} wei into new account ${index}; queue hash ${queue.head.toString(16).slice(0, 16)}…`);
        return { type: TxType.Deposit, index };
      };
      const [op, alice, bob] = users;
      const batches: Array<{ txs: () => Tx[]; feeAccount?: bigint }> = [
        { txs: () => [create(op, 0n), create(alice, 2n * ETH), create(bob, ETH / 2n)] },
        {
          txs: () => [
            signTx({ type: TxType.Transfer, from: 1n, to: 2n, amount: 3n * 10n ** 17n, fee: 10n ** 14n, nonce: 0n }, alice.sk, state.domain),
            signTx({ type: TxType.Transfer, from: 2n, to: 1n, amount: 10n ** 17n, fee: 10n ** 14n, nonce: 0n }, bob.sk, state.domain),
            signTx({ type: TxType.Withdraw, from: 1n, amount: 5n * 10n ** 17n, fee: 10n ** 14n, nonce: 1n }, alice.sk, state.domain),
          ],
          feeAccount: 0n,
        },
        {
          txs: () => {
            queue.append({ kind: L1Kind.ForcedExit, index: 2n, tokenId: 0n, ethAddr: bob.ethAddr });
            console.log("L1       bob requests a forced exit of account 2");
            return [{ type: TxType.ForcedExit, index: 2n, amount: 0n, exponent: 0 }];
          },
        },
      ];
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zkr-demo-"));
      try {
        for (const b of batches) {
          const txs = b.txs();
          const res = applyBatch(state, txs, queue, { slots, feeAccount: b.feeAccount });
          console.log(`batch ${res.batchNumber}  root ${res.oldRoot.toString(16).slice(0, 16)}… → ${res.newRoot.toString(16).slice(0, 16)}…, queue [${res.queueStart}, ${res.queueEnd}), fees ${res.totalFee}`);
          for (const tx of res.txs) console.log(`           ${describeTx(tx)}`);
          console.log(`           calldata ${res.txData.length} bytes, public input ${res.publicInput.toString(16).slice(0, 16)}…`);
          const w = await computeWitness(art.wasm, res.witnessInputs as unknown as Record<string, unknown>);
          if (w[1] !== res.publicInput) throw new Error(`circuit public input ${w[1]} differs from the model's ${res.publicInput}`);
          const file = path.join(tmp, `batch${res.batchNumber}.wtns`);
          writeWtns(file, w);
          const ok = await checkWitness(art.r1cs, file);
          console.log(`           circuit: witness of ${w.length} wires, ${art.manifest.constraints} constraints ${ok ? "satisfied" : "VIOLATED"}`);
          if (!ok) throw new Error("the circuit rejected a batch the model accepted");
          const { proof, publicSignals, timings } = await prover.prove(witnessToBytes(w));
          const valid = await snarkjs.groth16.verify(vkey, publicSignals, proof);
          console.log(`           proof: ${timings.total.toFixed(2)} s on the cpu backend, snarkjs verify: ${valid ? "valid" : "INVALID"}`);
          if (!valid) throw new Error("a proof did not verify");
        }
        for (const [i, a] of state.accounts) console.log(`account ${i}: balance ${a.balance}, nonce ${a.nonce}`);
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
        await prover.release();
        await backend.close();
        await releaseSnarkjs();
      }
    });
}
