/**
 * `zkr devnet`: a local chain with the rollup deployed. Makes (or reuses) the insecure dev keys of
 * a configuration, compiles the contracts, starts anvil on 127.0.0.1, deploys Poseidon(6), the
 * verifier and the rollup (anvil's account 0 deploys and operates), and writes the deployment to
 * `build/devnet/deployment.json` (temp file + rename) for the other commands. Ctrl-C (SIGINT) or
 * SIGTERM stops anvil and removes the file; the chain's state is not kept.
 */
import type { Command } from "commander";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { ROOT, circuitName } from "../../circuits/build.js";
import { DEV_KEYS_WARNING, devKeys } from "../../circuits/devkeys.js";
import { startAnvil, type Anvil } from "../../contracts/anvil.js";
import { compileContracts } from "../../contracts/compile.js";
import { deployRollup, devnetProvider } from "../../contracts/deploy.js";
import writeFileAtomic from "write-file-atomic";
import { int } from "./options.js";

export const DEVNET_DIR = path.join(ROOT, "build", "devnet");
export const DEPLOYMENT_FILE = "deployment.json";

/** What `build/devnet/deployment.json` holds. */
export interface DevnetDeployment {
  rpcUrl: string;
  chainId: number;
  configuration: { txs: number; depth: number; circuit: string };
  operator: string;
  addresses: { rollup: string; verifier: string; poseidon6: string; poseidon4: string };
  genesisRoot: string;
  deployBlock: number;
  /** SHA-256 of each artefact file the deployment came from. */
  artefacts: Record<string, { file: string; sha256: string }>;
  anvilPid: number;
  pid: number;
  startedAt: string;
}

function sha256File(file: string): string {
  return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/** Options of {@link launchDevnet}. */
export interface LaunchDevnetOptions {
  txs: number;
  depth: number;
  /** anvil's port (0: any free port). */
  port: number;
  /** Directory of deployment.json. */
  out: string;
  log?: (line: string) => void;
}

/** A running devnet: anvil with the rollup deployed and its deployment.json written. */
export interface LaunchedDevnet {
  anvil: Anvil;
  deployment: DevnetDeployment;
  /** Path of deployment.json. */
  file: string;
  /** Stops anvil and removes deployment.json (idempotent). */
  stop(): Promise<void>;
}

/**
 * Makes (or reuses) the dev keys, compiles the contracts, starts anvil and deploys the rollup
 * (anvil's account 0 deploys and operates); writes deployment.json. Used by `zkr devnet` and
 * `zkr up`. A signal before the deployment is written still stops anvil.
 */
export async function launchDevnet(o: LaunchDevnetOptions): Promise<LaunchedDevnet> {
  const say = o.log ?? (() => {});
  const config = { txs: o.txs, depth: o.depth };
  const name = circuitName(config);
  const keys = await devKeys(config, { log: say });
  const compiled = compileContracts({ verifierFile: keys.verifier, name, log: say });

  const anvil = await startAnvil({ port: o.port });
  const outFile = path.join(path.resolve(o.out), DEPLOYMENT_FILE);
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      fs.rmSync(outFile, { force: true });
      await anvil.stop();
    })());
  // Until the deployment is written, a signal must still stop anvil.
  const early = () => void stop().then(() => process.exit(130));
  process.once("SIGINT", early);
  process.once("SIGTERM", early);

  const provider = devnetProvider(anvil.url);
  let deployment: DevnetDeployment;
  try {
    const deployer = await provider.getSigner(0);
    const dep = await deployRollup({ deployer, slots: o.txs, depth: o.depth, artifacts: compiled, log: say });
    const rel = (f: string) => path.relative(ROOT, f);
    const artefacts: DevnetDeployment["artefacts"] = {
      rollup: { file: rel(compiled.files.rollup), sha256: sha256File(compiled.files.rollup) },
      verifier: { file: rel(compiled.files.verifier), sha256: sha256File(compiled.files.verifier) },
      poseidon6: { file: rel(compiled.files.poseidon6), sha256: sha256File(compiled.files.poseidon6) },
      poseidon4: { file: rel(compiled.files.poseidon4), sha256: sha256File(compiled.files.poseidon4) },
      zkey: { file: rel(keys.zkey), sha256: sha256File(keys.zkey) },
      vkey: { file: rel(keys.vkey), sha256: sha256File(keys.vkey) },
      wasm: { file: rel(keys.circuit.wasm), sha256: sha256File(keys.circuit.wasm) },
    };
    deployment = {
      rpcUrl: anvil.url,
      chainId: Number(dep.chainId),
      configuration: { ...config, circuit: name },
      operator: await deployer.getAddress(),
      addresses: dep.addresses,
      genesisRoot: dep.genesisRoot.toString(),
      deployBlock: dep.blockNumber,
      artefacts,
      anvilPid: anvil.process.pid ?? -1,
      pid: process.pid,
      startedAt: new Date().toISOString(),
    };
    fs.mkdirSync(path.dirname(outFile), { recursive: true });
    writeFileAtomic.sync(outFile, JSON.stringify(deployment, null, 2) + "\n");
  } catch (err) {
    await stop();
    throw err;
  } finally {
    provider.destroy();
    process.removeListener("SIGINT", early);
    process.removeListener("SIGTERM", early);
  }
  return { anvil, deployment, file: outFile, stop };
}

export function registerDevnet(program: Command): void {
  program
    .command("devnet")
    .description("start anvil on 127.0.0.1 with the rollup deployed (insecure dev keys); Ctrl-C stops it")
    .option("--txs <n>", "transactions per batch", int("txs"), 4)
    .option("--depth <d>", "account-index bits of the state tree", int("depth"), 8)
    .option("--port <port>", "anvil's port (0: any free port)", int("port"), 8545)
    .option("--out <dir>", "directory of deployment.json", DEVNET_DIR)
    .action(async (o: { txs: number; depth: number; port: number; out: string }) => {
      const say = (l: string) => console.error(`devnet  ${l}`);
      console.error(DEV_KEYS_WARNING);
      const { anvil, deployment, file: outFile, stop } = await launchDevnet({ ...o, log: say });
      const name = deployment.configuration.circuit;

      console.log(`rpc url:     ${deployment.rpcUrl} (chain id ${deployment.chainId})`);
      console.log(`rollup:      ${deployment.addresses.rollup} (${name}, dev keys)`);
      console.log(`verifier:    ${deployment.addresses.verifier}`);
      console.log(`poseidon6:   ${deployment.addresses.poseidon6}`);
      console.log(`poseidon4:   ${deployment.addresses.poseidon4}`);
      console.log(`operator:    ${deployment.operator} (anvil account 0)`);
      console.log(`deployment:  ${path.relative(process.cwd(), outFile) || outFile}`);
      console.log("Ctrl-C stops the chain (its state is not kept).");

      // Runs until a signal, or until anvil dies on its own.
      const result = await new Promise<"signal" | "anvil-exited">((resolve) => {
        const onSignal = () => resolve("signal");
        process.once("SIGINT", onSignal);
        process.once("SIGTERM", onSignal);
        // Ctrl-C in a terminal reaches anvil too (same process group): it exits 0 or by the signal.
        anvil.process.once("exit", (code, signal) =>
          resolve(code === 0 || signal === "SIGINT" || signal === "SIGTERM" ? "signal" : "anvil-exited"));
      });
      await stop();
      if (result === "anvil-exited") throw new Error("anvil exited; the devnet is gone");
      console.error("devnet  stopped");
    });
}
