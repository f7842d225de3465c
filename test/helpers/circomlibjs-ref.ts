// Typed access to circomlibjs, the independent reference the model tests compare against. The package
// ships no declarations (types/shims.d.ts types it as `any`), so the few parts used are typed here once.

import { buildEddsa, buildPoseidon } from "circomlibjs";

/** Field element in circomlibjs' internal (Montgomery) representation. */
export type RefFieldElement = Uint8Array;

/** circomlibjs' F1Field for BN254's scalar field. */
export interface RefField {
  e(v: bigint | number | string): RefFieldElement;
  toObject(v: RefFieldElement): bigint;
  eq(a: RefFieldElement, b: RefFieldElement): boolean;
}

/** A BabyJubJub point. */
export type RefPoint = [RefFieldElement, RefFieldElement];

/** circomlibjs Poseidon. */
export interface RefPoseidon {
  (inputs: (bigint | RefFieldElement)[]): RefFieldElement;
  F: RefField;
}

/** circomlibjs babyJub. */
export interface RefBabyJub {
  F: RefField;
  Base8: RefPoint;
  subOrder: bigint;
  mulPointEscalar(p: RefPoint, e: bigint): RefPoint;
  inCurve(p: RefPoint): boolean;
  packPoint(p: RefPoint): Uint8Array;
  unpackPoint(buf: Uint8Array): RefPoint | null;
}

/** circomlibjs EdDSA signature. */
export interface RefSignature {
  R8: RefPoint;
  S: bigint;
}

/** circomlibjs eddsa. */
export interface RefEddsa {
  F: RefField;
  babyJub: RefBabyJub;
  prv2pub(prv: Uint8Array): RefPoint;
  signPoseidon(prv: Uint8Array, msg: RefFieldElement): RefSignature;
  verifyPoseidon(msg: RefFieldElement, sig: RefSignature, A: RefPoint): boolean;
}

/** circomlibjs `buildPoseidon()`, typed. */
export async function refPoseidon(): Promise<RefPoseidon> {
  return (await buildPoseidon()) as RefPoseidon;
}

/** circomlibjs `buildEddsa()`, typed. */
export async function refEddsa(): Promise<RefEddsa> {
  return (await buildEddsa()) as RefEddsa;
}

/** A Poseidon function on bigints backed by circomlibjs. */
export function bigintPoseidon(p: RefPoseidon): (xs: bigint[]) => bigint {
  return (xs) => p.F.toObject(p(xs));
}
