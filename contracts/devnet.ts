/**
 * A local devnet as a library: makes (or reuses) the insecure dev keys of a configuration,
 * compiles the contracts, starts anvil on 127.0.0.1, deploys Poseidon(6), Poseidon(4), the verifier
 * and the rollup (anvil's account 0 deploys and operates), and writes the deployment to
 * `deployment.json` (temp file + rename) for the other commands. `zkr devnet`, `zkr up` and the
 * end-to-end tests start it.
 */
import fs from "node:fs";
import path from "node:path";
import writeFileAtomic from "write-file-atomic";
import { ROOT, circuitName } from "../circuits/build.js";
import { devKeys } from "../circuits/devkeys.js";
import { sha256File } from "../core/files.js";
import { claimFolder, type FolderClaim } from "../core/instance.js";
import type { OnProgress } from "../core/progress.js";
import { startAnvil, type Anvil } from "./anvil.js";
import { compileContracts } from "./compile.js";
import { deployRollup } from "./deploy.js";
import { devnetProvider } from "./provider.js";
import { DEPLOYMENT_FILE, type DevnetDeployment } from "./devnet-files.js";

export { DEVNET_DIR, DEPLOYMENT_FILE, type DevnetDeployment } from "./devnet-files.js";

/** Options of {@link launchDevnet}. */
export interface LaunchDevnetOptions {
  txs: number;
  depth: number;
  /** anvil's port (0: any free port). */
  port: number;
  /** Directory of deployment.json, claimed for this process (core/instance.ts): one instance per folder. */
  out: string;
  /** Who claims the folder, as a refused second instance will be told (default "zkr devnet"). */
  command?: string;
  log?: (line: string) => void;
  /** Jobs done of the dev setup's long steps, for a progress bar. */
  progress?: OnProgress;
}

/** A running devnet: anvil with the rollup deployed and its deployment.json written. */
export interface LaunchedDevnet {
  anvil: Anvil;
  deployment: DevnetDeployment;
  /** Path of deployment.json. */
  file: string;
  /** The folder's claim: the caller may add where it can be reached. */
  claim: FolderClaim;
  /** Stops anvil, removes deployment.json and gives the folder up (idempotent). */
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
  // First, before minutes of compiling: a second instance on this folder is refused at once.
  const claim = await claimFolder(o.out, o.command ?? "zkr devnet");
  let anvil: Anvil;
  let compiled: ReturnType<typeof compileContracts>;
  let keys: Awaited<ReturnType<typeof devKeys>>;
  try {
    keys = await devKeys(config, { log: say, progress: o.progress });
    compiled = compileContracts({ verifierFile: keys.verifier, name, log: say });
    anvil = await startAnvil({ port: o.port });
  } catch (err) {
    await claim.release();
    throw err;
  }
  claim.setEndpoints({ "L1 RPC": anvil.url });
  const outFile = path.join(path.resolve(o.out), DEPLOYMENT_FILE);
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      fs.rmSync(outFile, { force: true });
      await anvil.stop();
      await claim.release();
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
  return { anvil, deployment, file: outFile, claim, stop };
}
