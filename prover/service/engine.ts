/**
 * The proving engine of the prover service: one job in, one verified proof out. It keeps, per
 * circuit, the keys and a loaded {@link Groth16Prover} warm between jobs, on the requested backend
 * and (once needed) on the CPU.
 *
 *   1. keys: the job's circuit → wasm, zkey, vkey (keys.ts), read once per circuit;
 *   2. witness: the circuit's witness generator on the job's input, in a worker thread (this
 *      thread keeps renewing the job's lease); a rejected input or a public input other than the
 *      job's is the job's fault (permanent);
 *   3. prove on the requested backend;
 *   4. verify the proof against the verification key and the job's public input (snarkjs); a
 *      proof that does not verify is never handed back;
 *   5. when steps 3–4 fail on a non-CPU backend, prove again on the CPU once (logged, and
 *      recorded as `fallbackFrom` in the result); the failed backend is restarted for the next job.
 */
import fs from "node:fs";
import { DEV_KEYS_WARNING } from "../../circuits/devkeys.js";
import { WitnessError, releaseSnarkjs } from "../../circuits/witness.js";
import type { ProverBackend } from "../backend.js";
import { Groth16Prover, WitnessMismatchError } from "../groth16.js";
import { createBackend, readZkey } from "../index.js";
import type { ProvingKey } from "../zkey.js";
import { CircuitNotServedError, JobInputError, ProofVerificationError, PublicInputMismatchError } from "./errors.js";
import { errorLine, isRetryable } from "../../core/errors.js";
import { resolveCircuitKeys, servesCircuit, servedCircuits, type CircuitId, type CircuitKeys, type KeySource } from "./keys.js";
import type { ProofJobResult, ProofJobSpec } from "../../core/jobs/types.js";
import { WitnessThread } from "./witness-thread.js";

/** Starts a backend by name (prover/index.ts's `createBackend`, or a test's fake). */
export type BackendFactory = (name: string, log: (line: string) => void) => Promise<ProverBackend>;

/** A proof as the engine returns it (the worker adds its name). */
export type EngineResult = Omit<ProofJobResult, "worker">;

/** What a worker needs of an engine (tests of the queues pass fakes). */
export interface JobProver {
  /** The circuits this engine can prove; undefined: any. */
  readonly circuits: CircuitId[] | undefined;
  prove(spec: ProofJobSpec, log?: (line: string) => void): Promise<EngineResult>;
  close(opts?: { abandon?: boolean }): Promise<void>;
}

/** Options of {@link ProofEngine.start}. */
export interface ProofEngineOptions {
  /** Requested backend: `cpu`, `webgpu`, `auto`, … (passed to the factory as is). */
  backend: string;
  /** Default: dev keys for any circuit. */
  keys?: KeySource;
  createBackend?: BackendFactory;
  log?: (line: string) => void;
}

interface LoadedCircuit {
  keys: CircuitKeys;
  zkey: ProvingKey;
  vkey: object;
}

type Slot = "requested" | "cpu";

/** Seconds since `t0` (performance.now()), as every duration here is logged. */
const seconds = (t0: number) => ((performance.now() - t0) / 1000).toFixed(2);

/** Proves jobs; see the file's header. */
export class ProofEngine implements JobProver {
  private readonly backends = new Map<Slot, Promise<ProverBackend>>();
  private readonly loaded = new Map<string, Promise<LoadedCircuit>>();
  private readonly provers = new Map<string, Promise<Groth16Prover>>();
  private readonly witnesses = new WitnessThread();
  private readonly factory: BackendFactory;
  private readonly log: (line: string) => void;
  private readonly keySource: KeySource;
  private queue: Promise<unknown> = Promise.resolve();
  private warnedDev = false;
  private closed = false;

  private constructor(readonly options: ProofEngineOptions) {
    this.factory = options.createBackend ?? createBackend;
    this.log = options.log ?? (() => {});
    this.keySource = options.keys ?? { kind: "dev" };
  }

  /** Starts the requested backend now: a backend that cannot start is an error, not a fallback. */
  static async start(options: ProofEngineOptions): Promise<ProofEngine> {
    const e = new ProofEngine(options);
    await e.backend("requested");
    return e;
  }

  get circuits(): CircuitId[] | undefined {
    return servedCircuits(this.keySource);
  }

  /** Loads a circuit's keys and its prover on the requested backend ahead of the first job. */
  async warm(c: CircuitId): Promise<void> {
    await this.prover(c, "requested");
  }

  /** Proves one job (jobs are taken one at a time). @throws ProverServiceError subclasses, WitnessMismatchError, BackendError. */
  prove(spec: ProofJobSpec, log: (line: string) => void = this.log): Promise<EngineResult> {
    const run = this.queue.then(() => this.proveNow(spec, log));
    this.queue = run.catch(() => {});
    return run;
  }

  private async proveNow(spec: ProofJobSpec, log: (line: string) => void): Promise<EngineResult> {
    if (this.closed) throw new Error("prover engine: closed");
    const n = spec.batchNumber;
    if (!servesCircuit(this.keySource, spec.circuit)) {
      throw new CircuitNotServedError(`${spec.circuit.txs}x${spec.circuit.depth}`, this.circuits!.map((c) => `${c.txs}x${c.depth}`).join(", "));
    }
    const circuit = await this.circuit(spec.circuit);

    // 2. witness (in a worker thread: this one keeps renewing the job's lease)
    const t = performance.now();
    let witness;
    try {
      witness = await this.witnesses.compute(circuit.keys.wasm, spec.input);
    } catch (err) {
      if (err instanceof WitnessError) throw new JobInputError(n, err.message, { cause: err });
      throw err;
    }
    if (witness.nWires !== circuit.zkey.nVars) {
      throw new WitnessMismatchError(`batch ${n}: ${circuit.zkey.nVars} wires expected by ${circuit.keys.zkey}, the witness generator ${circuit.keys.wasm} made ${witness.nWires}`);
    }
    if (witness.publicSignal !== spec.publicInput) throw new PublicInputMismatchError(n, spec.publicInput, String(witness.publicSignal));
    const bytes = witness.bytes;
    log(`batch ${n} witness: ${seconds(t)} s (${witness.nWires} wires)`);

    // 3–4 on the requested backend, 5. on the CPU when that fails.
    const requested = await this.backend("requested").catch((err: unknown) => err as Error);
    if (!(requested instanceof Error)) {
      try {
        return await this.proveOn("requested", requested, spec, circuit, bytes, log);
      } catch (err) {
        // Only a failure another backend may not repeat (a lost device, an unknown error) moves to
        // the cpu: a witness that does not fit its key fails there just the same.
        if (requested.name === "cpu" || !isRetryable(err)) throw err;
        log(`batch ${n} fallback: the ${requested.name} backend failed (${errorLine(err)}); proving again on the cpu backend`);
        await this.restart("requested");
        return { ...(await this.proveOn("cpu", await this.backend("cpu"), spec, circuit, bytes, log)), fallbackFrom: requested.name };
      }
    }
    log(`batch ${n} fallback: the ${this.options.backend} backend did not restart (${errorLine(requested)}); proving on the cpu backend`);
    this.backends.delete("requested");
    return { ...(await this.proveOn("cpu", await this.backend("cpu"), spec, circuit, bytes, log)), fallbackFrom: this.options.backend };
  }

  private async proveOn(slot: Slot, backend: ProverBackend, spec: ProofJobSpec, circuit: LoadedCircuit, witness: Uint8Array, log: (line: string) => void): Promise<EngineResult> {
    const n = spec.batchNumber;
    const prover = await this.prover(spec.circuit, slot);
    // The prover measures its own steps and their total; that total is the job's `provingMs`
    // (what the worker's summary, /batches and 'zkr proofs' show), not measured again here.
    const { proof, publicSignals, timings } = await prover.prove(witness);
    const provingMs = Math.round(timings.total * 1000);
    log(`batch ${n} proving: ${(provingMs / 1000).toFixed(2)} s on ${backend.name} (abc ${timings.abc.toFixed(2)} s, ntt ${timings.ntt.toFixed(2)} s, msm ${timings.msm.toFixed(2)} s, assemble ${timings.assemble.toFixed(2)} s)`);
    const t = performance.now();
    const snarkjs = await import("snarkjs");
    // Checked against the job's public input, not the prover's own claim of it.
    const ok = publicSignals.length === 1 && publicSignals[0] === spec.publicInput && (await snarkjs.groth16.verify(circuit.vkey, [spec.publicInput], proof)) === true;
    log(`batch ${n} verify: ${seconds(t)} s, ${ok ? "valid" : "INVALID"}`);
    if (!ok) throw new ProofVerificationError(n, backend.name);
    return { batchNumber: n, proof, publicSignals: [spec.publicInput], backend: backend.name, provingMs };
  }

  /** The backend of a slot, started on first use. The CPU slot reuses the requested one when that is the CPU. */
  private async backend(slot: Slot): Promise<ProverBackend> {
    let b = this.backends.get(slot);
    if (!b) {
      if (slot === "cpu") {
        const req = await this.backends.get("requested")?.catch(() => undefined);
        b = req?.name === "cpu" ? Promise.resolve(req) : this.factory("cpu", this.log);
      } else {
        b = this.factory(this.options.backend, this.log);
      }
      this.backends.set(slot, b);
      b.catch(() => this.backends.get(slot) === b && this.backends.delete(slot));
    }
    return b;
  }

  /** Closes a failed backend and forgets its provers; the next job starts it afresh. */
  private async restart(slot: Slot): Promise<void> {
    const b = this.backends.get(slot);
    this.backends.delete(slot);
    for (const [k, p] of this.provers) {
      if (k.endsWith(`/${slot}`)) {
        this.provers.delete(k);
        await p.then((pr) => pr.release()).catch(() => {});
      }
    }
    const backend = await b?.catch(() => undefined);
    if (backend && backend !== (await this.backends.get("cpu")?.catch(() => undefined))) await backend.close().catch(() => {});
  }

  private circuit(c: CircuitId): Promise<LoadedCircuit> {
    const key = `${c.txs}x${c.depth}`;
    let p = this.loaded.get(key);
    if (!p) {
      p = (async () => {
        const t = performance.now();
        const keys = await resolveCircuitKeys(this.keySource, c, this.log);
        if (keys.dev && !this.warnedDev) {
          this.warnedDev = true;
          this.log(`${keys.name}: proving with development keys\n${DEV_KEYS_WARNING}`);
        }
        const zkey = readZkey(keys.zkey);
        const vkey = JSON.parse(fs.readFileSync(keys.vkey, "utf8")) as object;
        await this.witnesses.load(keys.wasm); // compiles the generator's WebAssembly once
        this.log(`${keys.name}: keys loaded in ${seconds(t)} s (${zkey.nVars} wires, 2^${zkey.power} domain; ${keys.zkey})`);
        return { keys, zkey, vkey };
      })();
      this.loaded.set(key, p);
      p.catch(() => this.loaded.get(key) === p && this.loaded.delete(key));
    }
    return p;
  }

  private prover(c: CircuitId, slot: Slot): Promise<Groth16Prover> {
    const key = `${c.txs}x${c.depth}/${slot}`;
    let p = this.provers.get(key);
    if (!p) {
      p = (async () => {
        const circuit = await this.circuit(c);
        const backend = await this.backend(slot);
        const t = performance.now();
        const prover = await Groth16Prover.create(circuit.zkey, backend);
        this.log(`${circuit.keys.name}: bases loaded into the ${backend.name} backend in ${seconds(t)} s`);
        return prover;
      })();
      this.provers.set(key, p);
      p.catch(() => this.provers.get(key) === p && this.provers.delete(key));
    }
    return p;
  }

  /**
   * Releases the provers and backends and stops snarkjs's threads; waits for the job in flight
   * unless `abandon` (a worker that released its job and exits: the proof is cut short).
   */
  async close(opts: { abandon?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!opts.abandon) await this.queue.catch(() => {});
    for (const p of this.provers.values()) await p.then((pr) => pr.release()).catch(() => {});
    this.provers.clear();
    const seen = new Set<ProverBackend>();
    for (const b of this.backends.values()) {
      const backend = await b.catch(() => undefined);
      if (backend && !seen.has(backend)) {
        seen.add(backend);
        await backend.close().catch(() => {});
      }
    }
    this.backends.clear();
    await this.witnesses.close();
    await releaseSnarkjs();
  }
}
