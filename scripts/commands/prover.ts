/**
 * `zkr prover`: the prover service. Takes proof jobs from the sequencer's SQLite database (or from
 * BullMQ on Redis), proves them on the chosen backend, verifies each proof and hands it back.
 */
import type { Command } from "commander";
import { descriptionOf } from "./index.js";
import type { CircuitId, KeySource } from "../../prover/service/keys.js";
import { STOP_WITH_PARENT, int } from "./options.js";

interface ProverOptions {
  db?: string;
  redis?: string;
  backend: string;
  workerId?: string;
  once?: boolean;
  lease: number;
  grace: number;
  queue?: string;
  zkey?: string;
  vkey?: string;
  wasm?: string;
  circuit?: string;
  warm?: string;
  threads?: number;
}

function keySource(o: ProverOptions, parseCircuit: (s: string) => CircuitId): KeySource {
  if (!o.zkey && !o.vkey && !o.wasm) return { kind: "dev" };
  if (!o.zkey || !o.vkey || !o.circuit) throw new Error("--zkey, --vkey and --circuit go together (and optionally --wasm)");
  return { kind: "files", circuit: parseCircuit(o.circuit), zkey: o.zkey, vkey: o.vkey, wasm: o.wasm };
}

/**
 * The parent's pipe on stdin closes when the parent ends, even by SIGKILL: stop then as on SIGTERM
 * (the job in hand finishes or is released). The pipe does not keep the process alive.
 */
function stopWithParent(): void {
  process.stdin.once("end", () => process.kill(process.pid, "SIGTERM"));
  process.stdin.resume();
  (process.stdin as unknown as { unref?: () => void }).unref?.();
}

export function registerProver(program: Command): void {
  program
    .command("prover")
    .description(descriptionOf("prover"))
    .option("--db <file>", "the sequencer's SQLite database (the job queue; with --redis, also forward its jobs to Redis)")
    .option("--redis <url>", "take jobs from BullMQ on this Redis (redis://host:port)")
    .option("--backend <name>", "cpu | webgpu | auto", "cpu")
    .option("--worker-id <id>", "this worker's name in the queue (default <hostname>-<pid>)")
    .option("--once", "prove one job (waiting for it), then exit")
    .option("--lease <seconds>", "lease (SQLite) or lock (BullMQ) on a job; a dead worker's job is taken again after it", int("lease"), 60)
    .option("--grace <seconds>", "on SIGINT/SIGTERM, wait this long for the job in hand before releasing it", int("grace"), 30)
    .option("--queue <name>", "BullMQ queue name", "zkr-proofs")
    .option("--circuit <TxD>", "with --zkey/--vkey: the circuit they are for, e.g. 4x8")
    .option("--zkey <file>", "proving key (default: the dev keys of each job's circuit)")
    .option("--vkey <file>", "verification key (JSON) matching --zkey")
    .option("--wasm <file>", "witness generator (default: the circuit's build)")
    .option("--warm <list>", "circuits to load before the first job, e.g. 4x8,16x8")
    .option("--threads <n>", "worker threads of the cpu backend (default one per core; several provers on one machine share the cores)", int("threads"))
    .action(async (o: ProverOptions) => {
      if (!o.db && !o.redis) throw new Error("--db <file> or --redis <url> expected");
      const log = (l: string) => console.error(`${new Date().toISOString().slice(11, 23)} prover ${l}`);
      if (process.env[STOP_WITH_PARENT] === "1") stopWithParent();
      const [{ startProverService }, { parseCircuit }, { createBackend }] = await Promise.all([
        import("../../prover/service/service.js"), import("../../prover/service/keys.js"), import("../../prover/index.js"),
      ]);
      const service = await startProverService({
        db: o.db,
        redis: o.redis,
        backend: o.backend,
        workerId: o.workerId,
        once: o.once,
        leaseMs: o.lease * 1000,
        graceMs: o.grace * 1000,
        queueName: o.queue,
        keys: keySource(o, parseCircuit),
        warm: o.warm ? o.warm.split(",").map(parseCircuit) : [],
        createBackend: (name, l) => createBackend(name, l, { threads: o.threads }),
        signals: true,
        log,
      });
      await service.done;
      const s = service.stats;
      log(`done: ${s.proven.length} proven, ${s.failed.length} failed, ${s.requeued.length} retried, ${s.released.length} released, ${s.refused.length} refused`);
    });
}
