/**
 * Which files prove a job's circuit: the witness generator (.wasm), the proving key (.zkey) and the
 * verification key (.vkey.json). By default a job's `{ txs, depth }` resolves to the compiled
 * circuit under build/circuits and its development keys under build/keys/dev (made when missing);
 * an explicit set of files serves one circuit only.
 */
import fs from "node:fs";
import { buildCircuit, circuitName } from "../../circuits/build.js";
import { devKeys } from "../../circuits/devkeys.js";
import { ProofJobSpecError } from "../../core/jobs/errors.js";

/** A circuit configuration. */
export interface CircuitId {
  txs: number;
  depth: number;
}

/** The files of one circuit. */
export interface CircuitKeys {
  name: string;
  wasm: string;
  zkey: string;
  vkey: string;
  /** Insecure development keys (the service warns once). */
  dev: boolean;
}

/**
 * Where keys come from: `dev` keys for any circuit, or explicit files for one circuit (the
 * witness generator defaults to that circuit's build).
 */
export type KeySource = { kind: "dev" } | { kind: "files"; circuit: CircuitId; zkey: string; vkey: string; wasm?: string };

/** Parses `4x8` into `{ txs: 4, depth: 8 }`. */
export function parseCircuit(s: string): CircuitId {
  const m = /^(\d+)x(\d+)$/.exec(s.trim());
  if (!m) throw new ProofJobSpecError(`circuit: <txs>x<depth> expected (e.g. 4x8), got ${JSON.stringify(s)}`);
  return { txs: Number(m[1]), depth: Number(m[2]) };
}

/** Whether a key source can prove a circuit. */
export function servesCircuit(source: KeySource, c: CircuitId): boolean {
  return source.kind === "dev" || (source.circuit.txs === c.txs && source.circuit.depth === c.depth);
}

/** The circuits a key source is limited to (undefined: any). */
export function servedCircuits(source: KeySource): CircuitId[] | undefined {
  return source.kind === "dev" ? undefined : [source.circuit];
}

/** Resolves a circuit's files, building the circuit and dev keys when missing. */
export async function resolveCircuitKeys(source: KeySource, c: CircuitId, log: (line: string) => void = () => {}): Promise<CircuitKeys> {
  const name = circuitName(c);
  if (source.kind === "dev") {
    const k = await devKeys(c, { log });
    return { name, wasm: k.circuit.wasm, zkey: k.zkey, vkey: k.vkey, dev: true };
  }
  if (!servesCircuit(source, c)) throw new ProofJobSpecError(`keys: ${name} asked, the given files are ${circuitName(source.circuit)}'s`);
  const wasm = source.wasm ?? (await buildCircuit(c, { log })).wasm;
  for (const [what, f] of [["zkey", source.zkey], ["vkey", source.vkey], ["wasm", wasm]] as const) {
    if (!fs.existsSync(f)) throw new ProofJobSpecError(`keys: ${what} file ${f} does not exist`);
  }
  return { name, wasm, zkey: source.zkey, vkey: source.vkey, dev: false };
}
