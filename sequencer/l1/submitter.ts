// The L1 submitter: sends proven batches to the rollup contract in order, one at a time.
//
// Each step reads its state from the database, so a restart continues where the last process
// stopped:
// - `proven`: estimate gas (+ margin), take the fee data, sign submitBatch with the operator's
//   next nonce, and record the signed transaction (status `submitting`) BEFORE broadcasting it.
// - `submitting`: look for a receipt of any recorded attempt. Mined and successful: `submitted`
//   (the watcher marks it `verified` once its BatchVerified log is confirmed). Not mined after
//   `stuckTxMs`: sign a replacement with the SAME nonce and fees raised by 25%, record it, send it;
//   as every attempt of a batch shares one nonce, at most one of them can ever be mined. Unknown to
//   the node (a restart after a crash between record and send): broadcast the recorded bytes again.
// - A reverted attempt is looked at: if the contract already holds the batch, it is `submitted`;
//   otherwise the batch goes back to `proven` with the error, and is retried after a pause.
// Before any first attempt the contract's batchNumber is read: a batch already on chain is never
// sent again.

import { Wallet, keccak256, type Provider, type TransactionReceipt } from "ethers";
import { proofCalldata } from "../../contracts/deploy.js";
import { Rollup__factory, type Rollup } from "../../contracts/types/index.js";
import { crashPoint, type SequencerContext } from "../context.js";
import type { L1Config } from "../config.js";
import { reorgCheck, type BatchRow } from "../store.js";
import { StateCorruptError } from "../errors.js";

interface SubmissionRow {
  batch: number; attempt: number; nonce: number; tx_hash: string; raw: string; max_fee: string; priority_fee: string; gas_limit: string; sent_at: number;
}

const BUMP_NUM = 125n;
const BUMP_DEN = 100n;
const RETRY_AFTER_REVERT_MS = 2000;

export class L1Submitter {
  private readonly wallet: Wallet;
  private readonly rollup: Rollup;
  private retryAt = 0;

  constructor(
    private readonly ctx: SequencerContext,
    private readonly provider: Provider,
    private readonly l1: L1Config,
  ) {
    this.wallet = new Wallet(l1.operatorKey, provider);
    this.rollup = Rollup__factory.connect(ctx.config.rollup, this.wallet);
  }

  /** Operator address. */
  get address(): string {
    return this.wallet.address;
  }

  /** One step of the state machine (see the header). Returns true when it did something. */
  async step(): Promise<boolean> {
    const { db } = this.ctx;
    // A reorganisation took requests batches consumed: which batches stand is known once L1 is read again.
    if (reorgCheck(db)) return false;
    const b = db.prepare("SELECT * FROM batches WHERE status IN ('created', 'proven', 'submitting') ORDER BY number LIMIT 1").get() as BatchRow | undefined;
    if (!b || b.status === "created") return false;
    if (b.status === "submitting") return this.follow(b);
    if (Date.now() < this.retryAt) return false;
    // Batches go in strictly in order: the previous one must be mined first.
    const prev = b.number === 0 ? undefined : (db.prepare("SELECT status FROM batches WHERE number = ?").get(b.number - 1) as { status: string } | undefined);
    if (b.number > 0 && prev && prev.status !== "submitted" && prev.status !== "verified") return false;
    const onChain = Number(await this.rollup.batchNumber());
    if (onChain > b.number) {
      db.prepare("UPDATE batches SET status = 'submitted' WHERE number = ? AND status = 'proven'").run(b.number);
      this.ctx.log(`batch ${b.number}: already on L1 (contract at batch ${onChain}); not sent again`);
      return true;
    }
    if (onChain < b.number) return false; // the previous batch's receipt is not final yet
    return this.send(b);
  }

  private args(b: BatchRow) {
    const proof = proofCalldata(JSON.parse(b.proof!));
    return [BigInt(b.new_root), b.queue_start, b.queue_end, b.fee_account, b.tx_data, proof] as const;
  }

  private async send(b: BatchRow): Promise<boolean> {
    const { db } = this.ctx;
    const args = this.args(b);
    let estimate: bigint;
    try {
      estimate = await this.rollup.submitBatch.estimateGas(...args);
    } catch (e) {
      this.fail(b, `gas estimation failed: ${(e as { shortMessage?: string }).shortMessage ?? (e as Error).message}`);
      return false;
    }
    const gasLimit = estimate + (estimate * BigInt(Math.round(this.l1.gasMargin * 1000))) / 1000n;
    const fees = await this.provider.getFeeData();
    const priority = fees.maxPriorityFeePerGas ?? 1_000_000_000n;
    const maxFee = fees.maxFeePerGas ?? (fees.gasPrice ?? 1_000_000_000n) * 2n;
    const nonce = await this.provider.getTransactionCount(this.wallet.address, "pending");
    const attempt = (db.prepare("SELECT COALESCE(MAX(attempt) + 1, 0) AS n FROM submissions WHERE batch = ?").get(b.number) as { n: number }).n;
    await this.signRecordSend(b.number, attempt, nonce, gasLimit, maxFee, priority);
    return true;
  }

  private async signRecordSend(batch: number, attempt: number, nonce: number, gasLimit: bigint, maxFee: bigint, priority: bigint): Promise<void> {
    const { db } = this.ctx;
    const b = db.prepare("SELECT * FROM batches WHERE number = ?").get(batch) as BatchRow;
    const data = this.rollup.interface.encodeFunctionData("submitBatch", [...this.args(b)]);
    const chainId = this.ctx.config.chainId;
    const raw = await this.wallet.signTransaction({
      to: this.ctx.config.rollup, data, nonce, gasLimit, maxFeePerGas: maxFee, maxPriorityFeePerGas: priority, chainId, type: 2, value: 0n,
    });
    const hash = keccak256(raw);
    db.transaction(() => {
      db.prepare("INSERT INTO submissions (batch, attempt, nonce, tx_hash, raw, max_fee, priority_fee, gas_limit, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .run(batch, attempt, nonce, hash, raw, maxFee.toString(), priority.toString(), gasLimit.toString(), Date.now());
      db.prepare("UPDATE batches SET status = 'submitting', l1_tx = ?, error = NULL WHERE number = ?").run(hash, batch);
    })();
    crashPoint("submit:before-broadcast", batch);
    this.ctx.log(`batch ${batch}: submitBatch ${attempt === 0 ? "sent" : `replaced (attempt ${attempt + 1})`} as ${hash} (nonce ${nonce}, gas limit ${gasLimit}, max fee ${maxFee})`);
    await this.broadcast(raw);
    crashPoint("submit:after-broadcast", batch);
  }

  private async broadcast(raw: string): Promise<void> {
    try {
      await this.provider.broadcastTransaction(raw);
    } catch (e) {
      const msg = `${(e as { shortMessage?: string }).shortMessage ?? ""} ${(e as Error).message}`;
      // Already known or already mined: the recorded attempt is what counts.
      if (/already known|nonce too low|nonce has already been used|already imported|replacement transaction underpriced/i.test(msg)) return;
      throw e;
    }
  }

  private async follow(b: BatchRow): Promise<boolean> {
    const { db } = this.ctx;
    const all = db.prepare("SELECT * FROM submissions WHERE batch = ? ORDER BY attempt").all(b.number) as SubmissionRow[];
    if (all.length === 0) throw new StateCorruptError(`batch ${b.number} is submitting without a recorded submission`);
    // The attempts of the current round share the last attempt's nonce (earlier rounds failed).
    const attempts = all.filter((a) => a.nonce === all[all.length - 1].nonce);
    for (const a of attempts) {
      const receipt = await this.provider.getTransactionReceipt(a.tx_hash);
      if (receipt) return this.mined(b, a, receipt);
    }
    const last = attempts[attempts.length - 1];
    // A different transaction took the nonce: none of ours can be mined any more.
    const minedNonce = await this.provider.getTransactionCount(this.wallet.address, "latest");
    if (minedNonce > last.nonce) {
      // Give the node a moment to serve the receipt; then the batch is sent afresh if not on chain.
      if (Date.now() - last.sent_at < 5 * this.l1.pollMs) return false;
      const onChain = Number(await this.rollup.batchNumber());
      if (onChain > b.number) {
        db.prepare("UPDATE batches SET status = 'submitted' WHERE number = ?").run(b.number);
        return true;
      }
      this.fail(b, `nonce ${last.nonce} was used by another transaction`);
      return true;
    }
    const stuck = Date.now() - last.sent_at >= this.l1.stuckTxMs;
    if (!(await this.provider.getTransaction(last.tx_hash))) {
      // Recorded but never sent (a crash between the two), or dropped by the node: the same bytes
      // again; if the node refuses them (fees too low by now), a replacement once it is overdue.
      this.ctx.log(`batch ${b.number}: recorded submitBatch ${last.tx_hash} unknown to the node; broadcasting it again`);
      try {
        await this.broadcast(last.raw);
        return true;
      } catch (e) {
        if (!stuck) throw e;
        this.ctx.log(`batch ${b.number}: the node refuses it (${(e as { shortMessage?: string }).shortMessage ?? (e as Error).message}); replacing it`);
      }
    }
    if (stuck) {
      const fees = await this.provider.getFeeData();
      const bump = (old: bigint, now: bigint | null) => {
        const raised = (old * BUMP_NUM) / BUMP_DEN + 1n;
        return now !== null && now > raised ? now : raised;
      };
      const maxFee = bump(BigInt(last.max_fee), fees.maxFeePerGas);
      const priority = bump(BigInt(last.priority_fee), fees.maxPriorityFeePerGas);
      await this.signRecordSend(b.number, last.attempt + 1, last.nonce, BigInt(last.gas_limit), maxFee, priority);
      return true;
    }
    return false;
  }

  private async mined(b: BatchRow, a: SubmissionRow, receipt: TransactionReceipt): Promise<boolean> {
    const { db } = this.ctx;
    if (receipt.status === 1) {
      db.prepare("UPDATE batches SET status = 'submitted', l1_tx = ?, l1_block = ?, gas_used = ? WHERE number = ? AND status = 'submitting'").run(a.tx_hash, receipt.blockNumber, receipt.gasUsed, b.number);
      this.ctx.log(`batch ${b.number}: mined in block ${receipt.blockNumber} (${receipt.gasUsed} gas)`);
      return true;
    }
    const onChain = Number(await this.rollup.batchNumber());
    if (onChain > b.number) {
      db.prepare("UPDATE batches SET status = 'submitted' WHERE number = ?").run(b.number);
      return true;
    }
    this.fail(b, `submitBatch ${a.tx_hash} reverted in block ${receipt.blockNumber}`);
    return true;
  }

  private fail(b: BatchRow, error: string): void {
    this.ctx.db.prepare("UPDATE batches SET status = 'proven', error = ? WHERE number = ?").run(error, b.number);
    this.ctx.log(`batch ${b.number}: ${error}; retrying in ${RETRY_AFTER_REVERT_MS} ms`);
    this.retryAt = Date.now() + RETRY_AFTER_REVERT_MS;
  }
}
