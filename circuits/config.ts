/**
 * A rollup circuit's configuration, its name and its checks: what the command line needs before
 * anything is built (circuits/build.ts re-exports all of it).
 */
import { ZkrError } from "../core/errors.js";

/** A circuit configuration. */
export interface CircuitConfig {
  /** Slots per batch. */
  txs: number;
  /** Account-index bits (even, 2..24). */
  depth: number;
}

/** Raised when a configuration is invalid or the compiler fails. */
export class CircuitBuildError extends ZkrError {
  override name = "CircuitBuildError";
}

/** Checks a configuration and says what is wrong with it. */
export function validateConfig(config: CircuitConfig): void {
  const { txs, depth } = config;
  if (!Number.isInteger(txs) || txs < 1 || txs > 4096) {
    throw new CircuitBuildError(`circuit: txs must be an integer in 1..4096, got ${txs}`);
  }
  if (!Number.isInteger(depth) || depth < 2 || depth > 24 || depth % 2 !== 0) {
    throw new CircuitBuildError(`circuit: depth must be an even integer in 2..24, got ${depth}`);
  }
}

/** Name of a configuration's artefact folder. */
export function circuitName(config: CircuitConfig): string {
  return `rollup_${config.txs}x${config.depth}`;
}
