/**
 * The `zkr` commands: each one's name, its one-line description (commands.json: bin/zkr.js shows
 * them for `zkr --help` without loading any TypeScript, and each command's file uses its own) and
 * how to load its code. scripts/zkr.ts imports only the command that runs, so `zkr wallet …` never
 * loads the prover.
 */
import type { Command } from "commander";
import { createRequire } from "node:module";

const DESCRIPTIONS = createRequire(import.meta.url)("./commands.json") as Record<string, string>;

export interface CommandEntry {
  description: string;
  /** Imports the command's file and returns its registration. */
  load(): Promise<(program: Command) => void>;
  /**
   * Runs in a child process that scripts/supervise.ts watches, so that SIGINT/SIGTERM stop it at
   * once even while native code holds its main thread. Commands that handle signals themselves
   * (`up`, `devnet`, `prover`: they stop their children, finish a job in hand) run in-process.
   * A function decides from the arguments: false runs the command in-process, where a signal
   * still ends it at once with the supervisor's line and status (`exitOnSignals`).
   */
  supervised?: true | ((args: string[]) => Promise<boolean>);
}

export const COMMANDS = {
  bench: {
    description: DESCRIPTIONS.bench,
    load: async () => (await import("./bench.js")).registerBench,
    supervised: true,
  },
  ceremony: {
    description: DESCRIPTIONS.ceremony,
    load: async () => (await import("./ceremony.js")).registerCeremony,
    supervised: true,
  },
  circuits: {
    description: DESCRIPTIONS.circuits,
    load: async () => (await import("./circuits.js")).registerCircuits,
    supervised: true,
  },
  demo: {
    description: DESCRIPTIONS.demo,
    load: async () => (await import("./demo.js")).registerDemo,
    supervised: true,
  },
  devnet: {
    description: DESCRIPTIONS.devnet,
    load: async () => (await import("./devnet.js")).registerDevnet,
  },
  proofs: {
    description: DESCRIPTIONS.proofs,
    load: async () => (await import("./proofs.js")).registerProofs,
  },
  prove: {
    description: DESCRIPTIONS.prove,
    load: async () => (await import("./prove.js")).registerProve,
    // Only a backend that may load Dawn can hold the main thread; the cpu's work is on its workers.
    supervised: async (args) => (await import("./prove.js")).proveNeedsSupervisor(args),
  },
  prover: {
    description: DESCRIPTIONS.prover,
    load: async () => (await import("./prover.js")).registerProver,
  },
  setup: {
    description: DESCRIPTIONS.setup,
    load: async () => (await import("./setup.js")).registerSetup,
    supervised: true,
  },
  sync: {
    description: DESCRIPTIONS.sync,
    load: async () => (await import("./sync.js")).registerSync,
  },
  up: {
    description: DESCRIPTIONS.up,
    load: async () => (await import("./up.js")).registerUp,
  },
  web: {
    description: DESCRIPTIONS.web,
    load: async () => (await import("./web.js")).registerWeb,
  },
  wallet: {
    description: DESCRIPTIONS.wallet,
    load: async () => (await import("./wallet.js")).registerWallet,
  },
} satisfies Record<string, CommandEntry>;

export type CommandName = keyof typeof COMMANDS;

/** A command's description, for its own file's `.description(…)`. */
export function descriptionOf(name: CommandName): string {
  return COMMANDS[name].description;
}
