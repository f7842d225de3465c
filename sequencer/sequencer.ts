// The sequencer process: opens the database, rebuilds the state, and runs
// - the HTTP API (admission into the mempool),
// - the batcher (every `tickMs`: collect proofs, then make a batch when one is due),
// - the L1 watcher and the L1 submitter (every `pollMs`), when an L1 is configured.
// Every step is a transaction on the database; stopping the process at any instant, gracefully or
// not, loses nothing that was acknowledged.

import type http from "node:http";
import type { AddressInfo } from "node:net";
import { openDatabase, type Db } from "./db.js";
import { DEFAULTS, type SequencerConfig } from "./config.js";
import { checkIdentity, loadQueue, loadState, type BatchRow } from "./store.js";
import { Mempool } from "./mempool.js";
import { batchDue, createBatch } from "./batcher.js";
import { createApi } from "./api/index.js";
import type { Router } from "./api/http.js";
import type { Log, SequencerContext } from "./context.js";
import type { ProofQueue } from "./proofs.js";
import { StateCorruptError } from "./errors.js";
import { L1Watcher } from "./l1/watcher.js";
import { L1Submitter } from "./l1/submitter.js";
import { l1Provider } from "../contracts/provider.js";
import { Rollup__factory } from "../contracts/types/index.js";
import { isError, type JsonRpcProvider } from "ethers";
import { warmUpEddsaVerifier } from "./model/eddsa.js";
import { VerifyPool } from "./verify-pool.js";
import { hex32 } from "../core/bytes.js";

export interface SequencerOptions {
  proofs: ProofQueue;
  log?: Log;
  /** Called when a loop hits an error it cannot go past (the state disagrees with itself or L1). */
  onFatal?: (e: Error) => void;
}

const reportedFailures = new WeakMap<SequencerContext, Set<number>>();

/**
 * Moves batches whose proof is ready to `proven`. Returns how many. A job that failed for good is
 * reported once (and in /health): its batch, and every later one, cannot reach L1 until it is
 * retried (`zkr proofs retry N`, `retryProofJob`) after the cause is fixed.
 */
export function collectProofs(ctx: SequencerContext): number {
  const { db, proofs } = ctx;
  let n = 0;
  for (const b of db.prepare("SELECT number, public_input FROM batches WHERE status = 'created' ORDER BY number").all() as Array<Pick<BatchRow, "number" | "public_input">>) {
    const r = proofs.result(db, b.number);
    if (!r) {
      if (proofs.status(db, b.number) === "failed") {
        const seen = reportedFailures.get(ctx) ?? new Set<number>();
        reportedFailures.set(ctx, seen);
        if (!seen.has(b.number)) ctx.log(`batch ${b.number}: ERROR: its proof job failed for good ('zkr proofs' shows why); later batches wait behind it until 'zkr proofs retry ${b.number}'`);
        seen.add(b.number);
      }
      continue;
    }
    if (r.publicSignals.length !== 1 || r.publicSignals[0] !== b.public_input) {
      throw new StateCorruptError(`batch ${b.number}: proof for public input ${r.publicSignals.join(",")} expected ${b.public_input}`);
    }
    db.prepare("UPDATE batches SET status = 'proven', proof = ?, proven_at = ? WHERE number = ? AND status = 'created'").run(JSON.stringify(r.proof), Date.now(), b.number);
    // No duration here: the prover's log line names the job's and the proving step's (provenLine).
    ctx.log(`batch ${b.number}: proof collected (proven by ${r.worker} on ${r.backend})`);
    n++;
  }
  return n;
}

export class Sequencer {
  readonly ctx: SequencerContext;
  readonly server: http.Server;
  /** The routes `server` answers. */
  readonly router: Router;
  readonly provider?: JsonRpcProvider;
  readonly watcher?: L1Watcher;
  readonly submitter?: L1Submitter;
  private timers: NodeJS.Timeout[] = [];
  private pool?: VerifyPool;
  private stopped = false;
  private l1Busy = false;
  /** Set once the L1 node's chain and the contract at config.rollup are the ones configured. */
  private l1Checked = false;
  private lastL1Error = "";
  /** The contract's exodusBlocks, read with the L1 check (GET /operator). */
  private exodusBlocks: bigint | undefined;

  private constructor(readonly config: SequencerConfig, db: Db, private readonly opts: SequencerOptions) {
    const log = opts.log ?? ((l: string) => process.stderr.write(`sequencer  ${l}\n`));
    const id = { chainId: config.chainId, depth: config.depth, slots: config.slots, rollup: config.rollup };
    checkIdentity(db, id);
    opts.proofs.init(db);
    const ctx = { db, config, state: loadState(db, id), queue: loadQueue(db), proofs: opts.proofs, log } as SequencerContext;
    ctx.mempool = new Mempool(ctx);
    this.ctx = ctx;
    if (config.l1) {
      this.provider = l1Provider(config.l1.rpcUrl, { devnet: config.l1.devnet, pollMs: config.l1.pollMs });
      this.watcher = new L1Watcher(ctx, this.provider, config.l1);
      this.submitter = new L1Submitter(ctx, this.provider, config.l1);
    }
    ({ server: this.server, router: this.router } = createApi(ctx, () => ({ operator: this.submitter?.address ?? null, l1Error: this.lastL1Error || null }), {
      appDir: config.api.appDir,
      operatorToken: config.api.operatorToken,
      l1: () => ({ headBlock: this.watcher?.head ?? null, exodusBlocks: this.exodusBlocks ?? null }),
    }));
  }

  /** Opens the database, rebuilds the state, starts the API and the loops. */
  static async start(config: SequencerConfig, opts: SequencerOptions): Promise<Sequencer> {
    const db = openDatabase(config.dbPath);
    warmUpEddsaVerifier(); // its tables are built now rather than in the first request
    const s = new Sequencer(config, db, opts);
    if ((config.verifyThreads ?? 0) > 0) s.ctx.mempool.pool = s.pool = await VerifyPool.start(config.verifyThreads!);
    await new Promise<void>((resolve, reject) => {
      s.server.once("error", reject);
      s.server.listen(config.api.port, config.api.host, () => resolve());
    });
    if (s.pool) s.ctx.log(`signatures verified on ${config.verifyThreads} worker thread(s)`);
    s.ctx.log(`state: root ${hex32(s.ctx.state.root)}, next batch ${s.ctx.state.batchNumber}, ${s.ctx.state.accounts.size} accounts, ${s.ctx.mempool.size} pending txs, queue ${s.ctx.state.queueNext}/${s.ctx.queue.length}`);
    s.loop(() => s.tick(), config.tickMs);
    if (config.l1) s.loop(() => s.l1Step(), config.l1.pollMs ?? DEFAULTS.l1.pollMs);
    return s;
  }

  /** The API's base URL. */
  get url(): string {
    const a = this.server.address() as AddressInfo;
    return `http://${a.address}:${a.port}`;
  }

  private loop(fn: () => void | Promise<void>, ms: number): void {
    const run = async () => {
      if (this.stopped) return;
      try {
        await fn();
      } catch (e) {
        if (this.stopped) return;
        this.fatal(e as Error);
        return;
      }
      if (!this.stopped) this.timers.push(setTimeout(run, ms));
    };
    this.timers.push(setTimeout(run, 0));
  }

  private fatal(e: Error): void {
    this.ctx.log(`FATAL: ${e.stack ?? e.message}`);
    void this.stop();
    this.opts.onFatal?.(e);
  }

  /** Local work: proofs in, batches out. */
  tick(): void {
    collectProofs(this.ctx);
    const due = batchDue(this.ctx);
    if (due.due) createBatch(this.ctx);
  }

  /** L1 work: read confirmed logs, then move the submitter as far as it goes. Network errors are retried. */
  /**
   * Before reading or writing L1: the node serves the configured chain, and the contract at
   * `config.rollup` has this rollup's shape and domain. A mismatch (a wrong RPC URL or address in a
   * config) stops the sequencer; an unreachable node is retried like any L1 error.
   */
  private async checkL1(): Promise<void> {
    const rollup = Rollup__factory.connect(this.config.rollup, this.provider!);
    const [network, code] = await Promise.all([this.provider!.getNetwork(), this.provider!.getCode(this.config.rollup)]);
    if (network.chainId !== this.config.chainId) {
      throw new StateCorruptError(`L1: chain ${this.config.chainId} configured, the node at ${this.config.l1!.rpcUrl} serves chain ${network.chainId}`);
    }
    if (code === "0x") throw new StateCorruptError(`L1: no contract at ${this.config.rollup} on chain ${network.chainId}`);
    const configured = `configured: domain ${this.ctx.state.domain}, depth ${this.config.depth}, ${this.config.slots} slots`;
    let shape: [bigint, bigint, bigint, bigint];
    try {
      shape = await Promise.all([rollup.domain(), rollup.depth(), rollup.slots(), rollup.exodusBlocks()]);
    } catch (e) {
      // Another contract answers our getters with a revert: it is not a rollup at all.
      if (isError(e, "CALL_EXCEPTION")) throw new StateCorruptError(`L1: the contract at ${this.config.rollup} is not a zkr rollup (${configured})`, { cause: e });
      throw e;
    }
    const [domain, depth, slots, exodusBlocks] = shape;
    if (domain !== this.ctx.state.domain || Number(depth) !== this.config.depth || Number(slots) !== this.config.slots) {
      throw new StateCorruptError(`L1: the contract at ${this.config.rollup} is not this rollup (domain ${domain}, depth ${depth}, ${slots} slots; ${configured})`);
    }
    this.exodusBlocks = exodusBlocks;
    this.l1Checked = true;
  }

  async l1Step(): Promise<void> {
    if (this.l1Busy) return;
    this.l1Busy = true;
    try {
      if (!this.l1Checked) await this.checkL1();
      await this.watcher!.poll();
      for (let i = 0; i < 8 && (await this.submitter!.step()); i++);
      this.lastL1Error = "";
    } catch (e) {
      // Stopped meanwhile: the provider was destroyed under the request; nothing to report.
      if (this.stopped) return;
      if (e instanceof StateCorruptError) throw e;
      const msg = (e as { shortMessage?: string }).shortMessage ?? (e as Error).message;
      if (msg !== this.lastL1Error) this.ctx.log(`L1: ${msg} (retrying)`);
      this.lastL1Error = msg;
    } finally {
      this.l1Busy = false;
    }
  }

  /** Stops the loops and the API, closes the database. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    this.provider?.destroy();
    await this.pool?.close();
    this.ctx.db.close();
  }
}
