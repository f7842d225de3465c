// The zkr protocol model: a plain-TypeScript statement of PROTOCOL.md that the sequencer runs and
// the circuit and contract are tested against. Import from here rather than from the files.

export * from "./constants.js";
export * from "./errors.js";
export { ZkrError, walkCauses, isRetryable, type ZkrErrorOptions } from "../../core/errors.js";
export * from "./poseidon.js";
export * from "./tree.js";
export * from "./account.js";
export * from "./keys.js";
export {
  BABYJUB_A, BABYJUB_D, BABYJUB_COFACTOR, BABYJUB_IDENTITY, BABYJUB_BASE8, babyjubOnCurve, babyjubAdd, babyjubNeg, babyjubEq,
  babyjubMulNaive, babyjubMsmNaive, babyjubInSubgroupNaive, babyjubDerived, type BabyJubPoint, type BabyJubDerived,
} from "./babyjub.js";
export { babyjubMulBase, babyjubMul, babyjubMsm, babyjubInSubgroup, poseidon5Wasm } from "./babyjub-fast.js";
export * from "./eddsa.js";
export * from "./float.js";
export * from "./tx.js";
export * from "./queue.js";
export * from "./domain.js";
export * from "./l1.js";
export * from "./state.js";
export * from "./check-tx.js";
export * from "./batch.js";
