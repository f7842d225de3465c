/**
 * Compiles the rollup contract and a configuration's generated Groth16 verifier with the `solc`
 * npm package (solc-js, no download) through standard JSON, and writes one artefact per contract
 * (ABI + creation bytecode) to `build/contracts/`. The Poseidon(6) contract is not Solidity: its
 * bytecode comes from circomlibjs's generator and is written beside them, as is Poseidon(4)'s.
 *
 *   npx tsx contracts/compile.ts --verifier build/keys/dev/rollup_4x8/rollup_4x8.verifier.sol
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import solc from "solc";
import writeFileAtomic from "write-file-atomic";
import { ZkrError } from "../core/errors.js";
import { ROOT } from "../core/paths.js";

const require = createRequire(import.meta.url);
export const CONTRACTS_DIR = path.join(ROOT, "contracts");
export const ARTIFACTS_DIR = path.join(ROOT, "build", "contracts");
/** Pinned: anvil runs `--hardfork cancun`, and solc ≥ 0.8.30 defaults to prague. */
export const EVM_VERSION = "cancun";
export const OPTIMIZER_RUNS = 200;

/** ABI and bytecode of one contract. */
export interface Artifact {
  contractName: string;
  sourceName: string;
  abi: readonly unknown[];
  bytecode: string;
  deployedBytecode: string;
  compiler: { name: string; version: string; evmVersion: string; optimizerRuns: number };
  sourceSha256: string;
}

export interface CompiledContracts {
  rollup: Artifact;
  verifier: Artifact;
  poseidon6: Artifact;
  poseidon4: Artifact;
  files: { rollup: string; verifier: string; poseidon6: string; poseidon4: string };
}

/** solc reported errors: the message lists each formatted one. */
export class SolcError extends ZkrError {
  override name = "SolcError";
  constructor(readonly errors: Array<{ severity: string; formattedMessage?: string; message: string }>) {
    super("solc failed:\n" + errors.map((e) => e.formattedMessage ?? `${e.severity}: ${e.message}`).join("\n"));
  }
}

type SolcOutput = {
  errors?: Array<{ severity: string; formattedMessage?: string; message: string }>;
  contracts?: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>>;
};

/** Runs solc on `sources` with the project's settings. @throws SolcError on any error. */
function solcCompile(sources: Record<string, { content: string }>, log?: (l: string) => void): SolcOutput {
  const input = {
    language: "Solidity",
    sources,
    settings: {
      evmVersion: EVM_VERSION,
      optimizer: { enabled: true, runs: OPTIMIZER_RUNS },
      outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) throw new SolcError(errors);
  if (log) for (const w of output.errors ?? []) log(w.formattedMessage ?? w.message);
  return output;
}

/** One contract of a solc output as an artefact. */
function artifactOf(output: SolcOutput, sources: Record<string, { content: string }>, source: string, contract: string, sourceName = source): Artifact {
  const c = output.contracts?.[source]?.[contract];
  if (!c) throw new SolcError([{ severity: "error", message: `no contract ${contract} in ${source}` }]);
  return {
    contractName: contract,
    sourceName,
    abi: c.abi,
    bytecode: "0x" + c.evm.bytecode.object,
    deployedBytecode: "0x" + c.evm.deployedBytecode.object,
    compiler: { name: "solc-js", version: solc.version(), evmVersion: EVM_VERSION, optimizerRuns: OPTIMIZER_RUNS },
    sourceSha256: sha256(sources[source].content),
  };
}

function rollupSource(): { content: string } {
  return { content: fs.readFileSync(path.join(CONTRACTS_DIR, "Rollup.sol"), "utf8") };
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The Poseidon(6) contract of circomlibjs (same constants as circomlib's circuit and poseidon-lite). */
export function poseidon6Artifact(): Artifact {
  return poseidonArtifact(6);
}

/** The Poseidon(`n`) contract of circomlibjs: 6 hashes queue entries and leaves, 4 inner nodes. */
export function poseidonArtifact(n: number): Artifact {
  const { poseidonContract } = require("circomlibjs") as {
    poseidonContract: { createCode(n: number): string; generateABI(n: number): unknown[] };
  };
  const bytecode = poseidonContract.createCode(n);
  const abi = poseidonContract.generateABI(n);
  let dir = path.dirname(require.resolve("circomlibjs"));
  while (!fs.existsSync(path.join(dir, "package.json")) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  const version = (JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { version: string }).version;
  return {
    contractName: `Poseidon${n}`,
    sourceName: "circomlibjs/poseidon_gencontract",
    abi,
    bytecode,
    deployedBytecode: "",
    compiler: { name: "circomlibjs poseidon_gencontract", version, evmVersion: "-", optimizerRuns: 0 },
    sourceSha256: sha256(bytecode),
  };
}

/**
 * Compiles `contracts/Rollup.sol` with the verifier at `verifierFile` (contract `Groth16Verifier`)
 * and writes `Rollup.json`, `<name>.Groth16Verifier.json`, `Poseidon6.json` and `Poseidon4.json` to `outDir`.
 * @throws SolcError with solc's messages when compilation fails.
 */
export function compileContracts(opts: { verifierFile: string; name?: string; outDir?: string; log?: (l: string) => void }): CompiledContracts {
  const log = opts.log ?? (() => {});
  const outDir = opts.outDir ?? ARTIFACTS_DIR;
  const name = opts.name ?? path.basename(opts.verifierFile).replace(/\.verifier\.sol$/, "").replace(/\.sol$/, "");
  const sources: Record<string, { content: string }> = {
    "Rollup.sol": rollupSource(),
    "Groth16Verifier.sol": { content: fs.readFileSync(opts.verifierFile, "utf8") },
  };
  log(`solc ${solc.version()}: compiling Rollup.sol and ${name} verifier (evm ${EVM_VERSION})`);
  const output = solcCompile(sources, log);
  const artifact = (source: string, contract: string) => artifactOf(output, sources, source, contract);
  const rollup = artifact("Rollup.sol", "Rollup");
  const verifier = artifact("Groth16Verifier.sol", "Groth16Verifier");
  const poseidon6 = poseidonArtifact(6);
  const poseidon4 = poseidonArtifact(4);

  fs.mkdirSync(outDir, { recursive: true });
  const files = {
    rollup: path.join(outDir, "Rollup.json"),
    verifier: path.join(outDir, `${name}.Groth16Verifier.json`),
    poseidon6: path.join(outDir, "Poseidon6.json"),
    poseidon4: path.join(outDir, "Poseidon4.json"),
  };
  writeFileAtomic.sync(files.rollup, JSON.stringify(rollup, null, 2) + "\n");
  writeFileAtomic.sync(files.verifier, JSON.stringify(verifier, null, 2) + "\n");
  writeFileAtomic.sync(files.poseidon6, JSON.stringify(poseidon6, null, 2) + "\n");
  writeFileAtomic.sync(files.poseidon4, JSON.stringify(poseidon4, null, 2) + "\n");
  return { rollup, verifier, poseidon6, poseidon4, files };
}

/** `contracts/Rollup.sol` alone (ABI and bytecode), for deployments with a verifier of the caller's choosing. */
export function compileRollup(): Artifact {
  const sources = { "Rollup.sol": rollupSource() };
  return artifactOf(solcCompile(sources), sources, "Rollup.sol", "Rollup");
}

/**
 * Compiles one contract of `contracts/test/` (test-only contracts such as `TestToken`) with the same
 * settings and writes `build/contracts/test/<Name>.json`. With `reuse`, an artefact already there
 * from the same source, compiler and settings is returned instead (solc-js takes about 0.4 s even
 * for a small contract: the devnet's token is compiled once, not at every launch); a contract that
 * imports the rollup is always compiled.
 * @throws SolcError with solc's messages when compilation fails.
 */
export function compileTestContract(contractName: string, opts: { outDir?: string; reuse?: boolean } = {}): Artifact {
  const file = `${contractName}.sol`;
  const content = fs.readFileSync(path.join(CONTRACTS_DIR, "test", file), "utf8");
  // A test contract may build on the rollup (`import "Rollup.sol"`).
  const sources: Record<string, { content: string }> = { [file]: { content } };
  if (/import\s+"Rollup\.sol"/.test(content)) sources["Rollup.sol"] = rollupSource();
  const outDir = opts.outDir ?? path.join(ARTIFACTS_DIR, "test");
  const outFile = path.join(outDir, `${contractName}.json`);
  if (opts.reuse && Object.keys(sources).length === 1) {
    const kept = currentArtifact(outFile, contractName, sha256(content));
    if (kept) return kept;
  }
  const artifact = artifactOf(solcCompile(sources), sources, file, contractName, `test/${file}`);
  fs.mkdirSync(outDir, { recursive: true });
  writeFileAtomic.sync(outFile, JSON.stringify(artifact, null, 2) + "\n");
  return artifact;
}

/** The artefact in `file` if this compiler with these settings made it from a source of SHA-256 `sourceSha256`; otherwise undefined. */
function currentArtifact(file: string, contractName: string, sourceSha256: string): Artifact | undefined {
  let a: Artifact;
  try {
    a = JSON.parse(fs.readFileSync(file, "utf8")) as Artifact;
  } catch {
    return undefined;
  }
  const c = a.compiler;
  const current = a.contractName === contractName && a.sourceSha256 === sourceSha256 && typeof a.bytecode === "string" && a.bytecode.length > 2 &&
    c?.name === "solc-js" && c.version === solc.version() && c.evmVersion === EVM_VERSION && c.optimizerRuns === OPTIMIZER_RUNS;
  return current ? a : undefined;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf("--verifier");
  const verifierFile = i > 0 ? process.argv[i + 1] : path.join(ROOT, "build", "keys", "dev", "rollup_4x8", "rollup_4x8.verifier.sol");
  try {
    const out = compileContracts({ verifierFile, log: (l) => console.error(l) });
    for (const f of Object.values(out.files)) console.log(path.relative(process.cwd(), f));
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
