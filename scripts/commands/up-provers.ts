/**
 * The provers `zkr up` runs: `count` `zkr prover` children on the sequencer's database, each its
 * own worker in the job table (`up-prover-<i>`) with its share of the cores, so that as many
 * batches are proved at once (the submitter still sends them to L1 strictly in order). A prover
 * that dies (a crash, an out-of-memory kill) is started again, and its job is taken again by
 * whichever prover is free once the dead one's lease runs out ({@link LEASE_S}); one that keeps
 * dying ({@link MAX_EXITS} exits in a minute) stops zkr up with the reason.
 */
import { spawn, type ChildProcess } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { ROOT } from "../../core/paths.js";
import { STOP_WITH_PARENT } from "./options.js";

/** A dead prover's job is taken again this long after its last lease renewal (renewed every third of it). */
export const LEASE_S = 20;
/** Exits of one prover within a minute that stop zkr up. */
export const MAX_EXITS = 5;
const RESTART_MS = 1000;

export interface UpProversOptions {
  dbPath: string;
  /** The circuit to load before the first job, e.g. `4x8`. */
  circuit: string;
  count: number;
  verbose: boolean;
  /** Lines for the terminal (a restart, say). */
  say: (line: string) => void;
  /** A prover that keeps dying. */
  onFatal: (e: Error) => void;
  /** The provers' pids changed (one was started again). */
  onChange?: (pids: (number | null)[]) => void;
}

export class UpProvers {
  private readonly children: (ChildProcess | undefined)[];
  private readonly exits: number[][];
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopping = false;
  /** cpu worker threads of each prover: the cores shared out. */
  readonly threads: number;

  constructor(private readonly o: UpProversOptions) {
    // 0: no prover of zkr up's own; provers started apart (`zkr prover --db`, here or through Redis) take the jobs.
    if (!Number.isInteger(o.count) || o.count < 0 || o.count > 64) throw new Error(`--provers: an integer in 0..64 expected, got ${o.count}`);
    this.children = new Array(o.count).fill(undefined);
    this.exits = Array.from({ length: o.count }, () => []);
    this.threads = Math.max(1, Math.floor(os.availableParallelism() / Math.max(1, o.count)));
  }

  /** Starts every prover. */
  start(): void {
    for (let i = 0; i < this.o.count; i++) this.spawn(i);
  }

  /** The running provers' pids, in order (null for one being started again: never -1, which kill() takes as "every process"). */
  get pids(): (number | null)[] {
    return this.children.map((c) => (c && c.exitCode === null && c.signalCode === null ? (c.pid ?? null) : null));
  }

  /** The name a prover's lines carry. */
  private name(i: number): string {
    return this.o.count === 1 ? "prover" : `prover ${i + 1}`;
  }

  private spawn(i: number): void {
    const args = [
      path.join(ROOT, "bin", "zkr.js"), "prover", "--db", this.o.dbPath, "--warm", this.o.circuit, "--backend", "cpu", "--grace", "0",
      "--worker-id", `up-prover-${i + 1}`, "--threads", String(this.threads), "--lease", String(LEASE_S),
    ];
    // Its own process group, so a Ctrl-C reaches only zkr up, which stops the parts in order; the
    // pipe on its stdin stops it if zkr up dies without doing so.
    const child = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "pipe"], cwd: ROOT, detached: true, env: { ...process.env, [STOP_WITH_PARENT]: "1" } });
    const prefix = this.name(i).padEnd(11);
    const forward = (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n")) {
        // zkr up printed the insecure-keys box already.
        if (!line.trim() || /^[┌│└]/.test(line)) continue;
        if (this.o.verbose || /error|fail|proven|warm|loaded|INSECURE/i.test(line)) process.stderr.write(`${prefix}${line.replace(/^\S+ prover /, "")}\n`);
      }
    };
    child.stdout!.on("data", forward);
    child.stderr!.on("data", forward);
    child.once("exit", (code, signal) => this.exited(i, code ?? signal ?? "?"));
    // A spawn that fails (no such file, too many processes) ends like an exit: started again, or zkr up stops.
    child.once("error", (err) => {
      if (child.exitCode === null && child.signalCode === null && child.pid === undefined) this.exited(i, err.message);
    });
    this.children[i] = child;
  }

  private exited(i: number, how: number | string): void {
    if (this.stopping) return;
    const now = Date.now();
    const recent = (this.exits[i] = [...this.exits[i].filter((t) => now - t < 60_000), now]);
    this.o.onChange?.(this.pids);
    if (recent.length >= MAX_EXITS) {
      this.o.onFatal(new Error(`${this.name(i)} exited ${recent.length} times within a minute (last: ${how}); see its lines above`));
      return;
    }
    this.o.say(`${this.name(i)} exited (${how}); starting it again (a job it held is taken again within ${LEASE_S} s)`);
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (this.stopping) return;
      this.spawn(i);
      this.o.onChange?.(this.pids);
    }, RESTART_MS);
    this.timers.add(t);
  }

  /** Stops every prover (SIGTERM, then SIGKILL after 5 s); nothing is started again. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) clearTimeout(t);
    await Promise.all(
      this.children.map(async (c) => {
        if (!c || c.exitCode !== null || c.signalCode !== null) return;
        const exited = new Promise((r) => c.once("exit", r));
        c.kill("SIGTERM");
        const t = setTimeout(() => c.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(t);
      }),
    );
  }
}
