/**
 * The `zkr` commands: each one's name, its one-line description (shown by `zkr --help`, and used
 * by the command's own file) and how to load its code. scripts/zkr.ts imports only the command
 * that runs, so `zkr --help` loads none of them and `zkr wallet …` never loads the prover.
 */
import type { Command } from "commander";

export interface CommandEntry {
  description: string;
  /** Imports the command's file and returns its registration. */
  load(): Promise<(program: Command) => void>;
  /**
   * Runs in a child process that scripts/supervise.ts watches, so that SIGINT/SIGTERM stop it at
   * once even while native code holds its main thread. Commands that handle signals themselves
   * (`up`, `devnet`, `prover`: they stop their children, finish a job in hand) run in-process.
   */
  supervised?: true;
}

export const COMMANDS = {
  bench: {
    description: "benchmark MSM, NTT and full proofs: zkr's backends against snarkjs (and rapidsnark) on the same inputs",
    load: async () => (await import("./bench.js")).registerBench,
    supervised: true,
  },
  ceremony: {
    description: "run a multi-party trusted-setup ceremony (phase 1 powers of tau, phase 2 per circuit)",
    load: async () => (await import("./ceremony.js")).registerCeremony,
    supervised: true,
  },
  circuits: {
    description: "compile the rollup circuit and report its size",
    load: async () => (await import("./circuits.js")).registerCircuits,
    supervised: true,
  },
  demo: {
    description: "run deposits, transfers, a withdrawal and a forced exit through the model, the circuit and the prover (no chain)",
    load: async () => (await import("./demo.js")).registerDemo,
    supervised: true,
  },
  devnet: {
    description: "start anvil on 127.0.0.1 with the rollup deployed (insecure dev keys); Ctrl-C stops it",
    load: async () => (await import("./devnet.js")).registerDevnet,
  },
  proofs: {
    description: "list the proof jobs in a sequencer's database, and retry the ones that failed",
    load: async () => (await import("./proofs.js")).registerProofs,
  },
  prove: {
    description: "prove a circuit input (or a witness) with a snarkjs Groth16 zkey",
    load: async () => (await import("./prove.js")).registerProve,
    supervised: true,
  },
  prover: {
    description: "run the prover service: prove queued batches (SQLite, or BullMQ with --redis), verify, hand back",
    load: async () => (await import("./prover.js")).registerProver,
  },
  setup: {
    description: "make proving and verification keys for a rollup configuration or any circuit's .r1cs (--dev: insecure, fast)",
    load: async () => (await import("./setup.js")).registerSetup,
    supervised: true,
  },
  sync: {
    description: "rebuild the state from L1 events and calldata alone and check it reaches the on-chain root",
    load: async () => (await import("./sync.js")).registerSync,
  },
  up: {
    description: "run the whole rollup locally: anvil + contracts, sequencer, prover (dev keys); Ctrl-C stops it",
    load: async () => (await import("./up.js")).registerUp,
  },
  wallet: {
    description: "a user's wallet on the devnet: create, deposit, transfer, withdraw, claim, exit, balance, status",
    load: async () => (await import("./wallet.js")).registerWallet,
  },
} satisfies Record<string, CommandEntry>;

export type CommandName = keyof typeof COMMANDS;

/** A command's description, for its own file's `.description(…)`. */
export function descriptionOf(name: CommandName): string {
  return COMMANDS[name].description;
}
