/**
 * A local devnet as a library: makes (or reuses) the insecure dev keys of a configuration,
 * compiles the contracts, starts anvil on 127.0.0.1, deploys Poseidon(6), Poseidon(4), the verifier
 * and the rollup (anvil's account 0 deploys and operates), registers the devnet's ERC-20 (zUSD,
 * ./devnet-token.ts) and funds anvil's accounts with it, and writes the deployment to
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
import { compileContracts, compileTestContract } from "./compile.js";
import { deployRollup } from "./deploy.js";
import { deployDevnetToken } from "./devnet-token.js";
import { devnetProvider } from "./provider.js";
import { ANVIL_STATE_FILE, DEPLOYMENT_FILE, type DevnetDeployment } from "./devnet-files.js";
import { ZkrError } from "../core/errors.js";

export { DEVNET_DIR, DEPLOYMENT_FILE, ANVIL_STATE_FILE, type DevnetDeployment, type DevnetToken } from "./devnet-files.js";

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
  /**
   * Keep the chain in the folder (anvil's state file, saved every few seconds and on stop) and
   * resume it when one is there: the same contracts, accounts and history, on the next launch.
   */
  keep?: boolean;
  /** Discard a kept chain in the folder first (otherwise a launch without `keep` refuses it). */
  fresh?: boolean;
}

/** A running devnet: anvil with the rollup deployed and its deployment.json written. */
export interface LaunchedDevnet {
  anvil: Anvil;
  deployment: DevnetDeployment;
  /** Path of deployment.json. */
  file: string;
  /** The folder's claim: the caller may add where it can be reached. */
  claim: FolderClaim;
  /** Whether a kept chain was resumed (keep) rather than deployed anew. */
  resumed: boolean;
  /** Stops anvil, removes deployment.json (kept with `keep`) and gives the folder up (idempotent). */
  stop(): Promise<void>;
}

/**
 * Makes (or reuses) the dev keys, compiles the contracts, starts anvil and deploys the rollup
 * (anvil's account 0 deploys and operates) and the devnet's token; writes deployment.json. A kept
 * chain is resumed as it was, with the tokens it had. Used by `zkr devnet` and `zkr up`. A signal
 * before the deployment is written still stops anvil.
 */
export async function launchDevnet(o: LaunchDevnetOptions): Promise<LaunchedDevnet> {
  const say = o.log ?? (() => {});
  const config = { txs: o.txs, depth: o.depth };
  const name = circuitName(config);
  // First, before minutes of compiling: a second instance on this folder is refused at once.
  const claim = await claimFolder(o.out, o.command ?? "zkr devnet");
  const outFile = path.join(claim.dir, DEPLOYMENT_FILE);
  const stateFile = path.join(claim.dir, ANVIL_STATE_FILE);
  let anvil: Anvil;
  let compiled: ReturnType<typeof compileContracts>;
  let keys: Awaited<ReturnType<typeof devKeys>>;
  let kept: DevnetDeployment | undefined;
  try {
    if (o.fresh) for (const f of [stateFile, outFile]) fs.rmSync(f, { force: true });
    if (fs.existsSync(stateFile) && !o.keep) {
      throw new KeptChainError(`${claim.dir} holds a kept chain (${ANVIL_STATE_FILE}, from a launch with --keep)`, {
        metaMessages: ["Resume it with --keep, or discard it with --fresh."],
      });
    }
    if (o.keep && fs.existsSync(stateFile) && fs.existsSync(outFile)) kept = JSON.parse(fs.readFileSync(outFile, "utf8")) as DevnetDeployment;
    if (kept && (kept.configuration.txs !== o.txs || kept.configuration.depth !== o.depth)) {
      throw new KeptChainError(`${claim.dir} keeps a chain of ${kept.configuration.circuit}, not rollup_${o.txs}x${o.depth}`, {
        metaMessages: [`Resume it with --txs ${kept.configuration.txs} --depth ${kept.configuration.depth}, or discard it with --fresh.`],
      });
    }
    keys = await devKeys(config, { log: say, progress: o.progress });
    compiled = compileContracts({ verifierFile: keys.verifier, name, log: say });
    if (kept) {
      // The kept contracts verify proofs of the keys they were deployed with: those must be the ones here.
      const changed = Object.entries(artefactsOf(compiled, keys)).filter(([k, a]) => kept!.artefacts[k]?.sha256 !== a.sha256).map(([k]) => k);
      if (changed.length > 0) {
        throw new KeptChainError(`the kept chain in ${claim.dir} was deployed from other artefacts (${changed.join(", ")} changed since)`, {
          metaMessages: ["Its verifier would refuse this prover's proofs: discard it with --fresh."],
        });
      }
    }
    anvil = await startAnvil({ port: o.port, args: o.keep ? ["--state", stateFile, "--state-interval", "5"] : [] });
  } catch (err) {
    await claim.release();
    throw err;
  }
  claim.setEndpoints({ "L1 RPC": anvil.url });
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      // Kept: anvil saves its state as it stops, and the deployment stays for the next launch.
      if (!o.keep) fs.rmSync(outFile, { force: true });
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
    if (kept) {
      if ((await provider.getCode(kept.addresses.rollup)) === "0x") {
        throw new KeptChainError(`the kept chain in ${claim.dir} has no rollup at ${kept.addresses.rollup}`, { metaMessages: ["Discard it with --fresh."] });
      }
      say(`resuming the kept chain: block ${await provider.getBlockNumber()}, rollup ${kept.addresses.rollup}`);
      deployment = { ...kept, rpcUrl: anvil.url, anvilPid: anvil.process.pid ?? -1, pid: process.pid, startedAt: new Date().toISOString() };
      writeFileAtomic.sync(outFile, JSON.stringify(deployment, null, 2) + "\n");
      return { anvil, deployment, file: outFile, claim, resumed: true, stop };
    }
    const deployer = await provider.getSigner(0);
    const dep = await deployRollup({ deployer, slots: o.txs, depth: o.depth, artifacts: compiled, log: say });
    const holders = (await provider.send("eth_accounts", [])) as string[];
    const token = await deployDevnetToken({ deployer, rollupAddress: dep.addresses.rollup, artifact: compileTestContract("TestToken", { reuse: true }), holders, log: say });
    const artefacts = artefactsOf(compiled, keys);
    deployment = {
      rpcUrl: anvil.url,
      chainId: Number(dep.chainId),
      configuration: { ...config, circuit: name },
      operator: await deployer.getAddress(),
      addresses: dep.addresses,
      genesisRoot: dep.genesisRoot.toString(),
      deployBlock: dep.blockNumber,
      tokens: [token],
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
  return { anvil, deployment, file: outFile, claim, resumed: false, stop };
}

/** A kept chain that cannot be resumed as asked. */
export class KeptChainError extends ZkrError {
  override name = "KeptChainError" as const;
}

/** Each artefact a deployment comes from, with its SHA-256. */
function artefactsOf(compiled: ReturnType<typeof compileContracts>, keys: Awaited<ReturnType<typeof devKeys>>): DevnetDeployment["artefacts"] {
  const rel = (f: string) => path.relative(ROOT, f);
  const entry = (f: string) => ({ file: rel(f), sha256: sha256File(f) });
  return {
    rollup: entry(compiled.files.rollup),
    verifier: entry(compiled.files.verifier),
    poseidon6: entry(compiled.files.poseidon6),
    poseidon4: entry(compiled.files.poseidon4),
    zkey: entry(keys.zkey),
    vkey: entry(keys.vkey),
    wasm: entry(keys.circuit.wasm),
  };
}
