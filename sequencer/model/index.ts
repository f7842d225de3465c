// The zkr protocol model: a plain-TypeScript statement of PROTOCOL.md that the sequencer runs and
// the circuit and contract are tested against. Import from here rather than from the files.

export * from "./constants.js";
export * from "./errors.js";
export * from "./poseidon.js";
export * from "./tree.js";
export * from "./account.js";
export * from "./keys.js";
export * from "./float.js";
export * from "./tx.js";
export * from "./queue.js";
// batch.ts and state.ts (batch building, state transition) are added here by their author.
