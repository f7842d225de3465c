// Poseidon over the BN254 scalar field, circomlib parameters (t = inputs + 1), via poseidon-lite.
// poseidon-lite silently reduces inputs mod r; the circuit's inputs are field elements, so we refuse
// non-canonical inputs instead of letting two different values hash alike.

import {
  poseidon1, poseidon2, poseidon3, poseidon4, poseidon5, poseidon6, poseidon7, poseidon8,
  poseidon9, poseidon10, poseidon11, poseidon12, poseidon13, poseidon14, poseidon15, poseidon16,
} from "poseidon-lite";
import { assertFieldElement } from "./errors.js";
import { ZkrError } from "../../core/errors.js";

type PoseidonFn = (inputs: bigint[]) => bigint;

const BY_ARITY: readonly PoseidonFn[] = [
  poseidon1, poseidon2, poseidon3, poseidon4, poseidon5, poseidon6, poseidon7, poseidon8,
  poseidon9, poseidon10, poseidon11, poseidon12, poseidon13, poseidon14, poseidon15, poseidon16,
];

/**
 * circomlib `Poseidon(n)` of 1 to 16 field elements.
 * @throws ZkrError for 0 or more than 16 inputs; FieldRangeError for an input outside [0, r).
 */
export function poseidon(inputs: readonly bigint[]): bigint {
  const fn: PoseidonFn | undefined = BY_ARITY[inputs.length - 1];
  if (fn === undefined) throw new ZkrError(`poseidon: 1 to 16 inputs expected, got ${inputs.length}`);
  for (let i = 0; i < inputs.length; i++) assertFieldElement(`poseidon input ${i}`, inputs[i]);
  return fn(inputs.slice());
}

/** `Poseidon(c0, c1, c2, c3)` without input checks: for tree nodes, which are hash outputs or checked leaves. */
export function poseidon4Unchecked(c0: bigint, c1: bigint, c2: bigint, c3: bigint): bigint {
  return poseidon4([c0, c1, c2, c3]);
}
