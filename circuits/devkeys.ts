/**
 * Development keys for a rollup configuration: compile the circuit, run the fast insecure
 * single-party setup (circuits/devsetup.ts), export the verification key and the Solidity
 * verifier, and cache all of it by the r1cs's hash under `build/keys/dev/<circuit>/`. The same
 * files for any circuit's `.r1cs` (a circuit a user compiled with circom): {@link devKeysForR1cs}.
 *
 * INSECURE: the process that made these keys knew τ, α, β and δ; with them anyone can forge
 * proofs. They exist for tests and the local devnet only.
 */
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { ROOT, buildCircuit, circuitName, type CircuitArtifacts, type CircuitConfig } from "./build.js";
import { devSetup, SetupError, type DevSetupResult } from "./devsetup.js";
import { withBuildLock } from "./lock.js";
import { releaseSnarkjs } from "./witness.js";
import { sha256File } from "../core/files.js";
import type { OnProgress } from "../core/progress.js";

const require = createRequire(import.meta.url);

/** The files a dev setup writes, all in one folder. */
export interface DevFiles {
  ptau: string;
  zkey: string;
  vkey: string;
  verifier: string;
}

/** The files of a dev setup. */
export interface DevKeys extends DevFiles {
  circuit: CircuitArtifacts;
  dir: string;
  power: number;
  /** Seconds the setup took when it was made (not when it came from the cache). */
  seconds: { ptau: number; zkey: number };
  cached: boolean;
}

/** The loud warning every dev-key user sees. */
export const DEV_KEYS_WARNING = [
  "┌──────────────────────────────────────────────────────────────────────────┐",
  "│ INSECURE DEVELOPMENT KEYS. One process knew the setup's secrets (τ, α,   │",
  "│ β, δ): anyone holding them can forge proofs. Never secure real funds     │",
  "│ with them; run a multi-party 'zkr ceremony' for production.              │",
  "└──────────────────────────────────────────────────────────────────────────┘",
].join("\n");


/** Returns dev keys for a configuration, making them when the circuit changed or none exist. */
export async function devKeys(config: CircuitConfig, opts: { log?: (l: string) => void; progress?: OnProgress; outRoot?: string; force?: boolean } = {}): Promise<DevKeys> {
  const log = opts.log ?? (() => {});
  const circuit = await buildCircuit(config, { log, progress: opts.progress });
  const name = circuitName(config);
  const dir = path.join(opts.outRoot ?? path.join(ROOT, "build", "keys", "dev"), name);
  const files: DevFiles = {
    ptau: path.join(dir, "dev.ptau"),
    zkey: path.join(dir, `${name}.zkey`),
    vkey: path.join(dir, `${name}.vkey.json`),
    verifier: path.join(dir, `${name}.verifier.sol`),
  };
  const manifestFile = path.join(dir, "manifest.json");
  const r1csHash = sha256File(circuit.r1cs);
  const cachedKeys = (): DevKeys | undefined => {
    if (opts.force || !fs.existsSync(manifestFile)) return undefined;
    const m = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as { r1csSha256: string; power: number; seconds: DevKeys["seconds"]; zkeySha256: string };
    if (m.r1csSha256 !== r1csHash || !Object.values(files).every((f) => fs.existsSync(f)) || sha256File(files.zkey) !== m.zkeySha256) return undefined;
    log(`${name}: dev keys up to date (2^${m.power})`);
    return { circuit, dir, ...files, power: m.power, seconds: m.seconds, cached: true };
  };
  const hit = cachedKeys();
  if (hit) return hit;
  // Only one process makes them; one that waited finds them made (unless forced: then it makes its own).
  return withBuildLock(dir, `${name} dev keys`, log, async () => cachedKeys() ?? makeDevKeys());

  async function makeDevKeys(): Promise<DevKeys> {
    fs.mkdirSync(dir, { recursive: true });
    log(`${name}: insecure dev setup…`);
    const res = await writeDevFiles(circuit.r1cs, files, log, opts.progress);
    // The manifest last: a cache hit needs every file complete.
    const manifest = { circuit: name, r1csSha256: r1csHash, zkeySha256: sha256File(files.zkey), power: res.power, seconds: res.seconds, madeAt: new Date().toISOString(), warning: "INSECURE development keys" };
    fs.writeFileSync(`${manifestFile}.partial`, JSON.stringify(manifest, null, 2) + "\n");
    fs.renameSync(`${manifestFile}.partial`, manifestFile);
    log(`${name}: dev keys made in ${(res.seconds.ptau + res.seconds.zkey).toFixed(1)} s (2^${res.power})`);
    return { circuit, dir, ...files, power: res.power, seconds: res.seconds, cached: false };
  }
}

/**
 * Dev keys for any circuit's `.r1cs` (`zkr setup --dev --r1cs`): `<name>.zkey`, `<name>.vkey.json`,
 * `<name>.verifier.sol` and `<name>.ptau` in `outDir` (default: the r1cs's folder), `<name>` the
 * r1cs's name. Nothing is cached; existing files are replaced only with `force`, since they may be
 * a ceremony's keys.
 * @throws SetupError when a file exists (without `force`), or the r1cs cannot be set up.
 */
export async function devKeysForR1cs(r1csFile: string, opts: { outDir?: string; force?: boolean; log?: (l: string) => void; progress?: OnProgress } = {}): Promise<DevFiles & DevSetupResult> {
  const log = opts.log ?? (() => {});
  if (!fs.existsSync(r1csFile)) throw new SetupError(r1csFile, "no such file (an .r1cs from circom --r1cs expected)");
  const name = path.basename(r1csFile).replace(/\.r1cs$/, "");
  const dir = path.resolve(opts.outDir ?? path.dirname(r1csFile));
  const files: DevFiles = {
    ptau: path.join(dir, `${name}.ptau`),
    zkey: path.join(dir, `${name}.zkey`),
    vkey: path.join(dir, `${name}.vkey.json`),
    verifier: path.join(dir, `${name}.verifier.sol`),
  };
  if (!opts.force) {
    const taken = Object.values(files).filter((f) => fs.existsSync(f));
    if (taken.length > 0) throw new SetupError(taken[0], `exists; --force replaces ${taken.length > 1 ? `it and ${taken.length - 1} more` : "it"} with insecure dev keys`);
  }
  fs.mkdirSync(dir, { recursive: true });
  log(`${name}: insecure dev setup…`);
  const res = await writeDevFiles(r1csFile, files, log, opts.progress);
  log(`${name}: dev keys made in ${(res.seconds.ptau + res.seconds.zkey).toFixed(1)} s (2^${res.power})`);
  return { ...files, ...res };
}

/**
 * Runs the dev setup on `r1csFile` and writes the four files: each is made under a temporary folder
 * beside them and renamed into place once all are complete.
 */
async function writeDevFiles(r1csFile: string, files: DevFiles, log: (l: string) => void, progress?: OnProgress): Promise<DevSetupResult> {
  const tmp = fs.mkdtempSync(path.join(path.dirname(files.zkey), ".partial-"));
  try {
    const t = { ptau: path.join(tmp, "dev.ptau"), zkey: path.join(tmp, "key.zkey"), vkey: path.join(tmp, "vkey.json"), verifier: path.join(tmp, "verifier.sol") };
    const res = await devSetup({ r1csFile, ptauOut: t.ptau, zkeyOut: t.zkey, log, progress });
    const snarkjs = await import("snarkjs");
    const vk = await snarkjs.zKey.exportVerificationKey(t.zkey);
    const template = fs.readFileSync(path.join(path.dirname(require.resolve("snarkjs")), "..", "templates", "verifier_groth16.sol.ejs"), "utf8");
    const sol = (await snarkjs.zKey.exportSolidityVerifier(t.zkey, { groth16: template })) as string;
    await releaseSnarkjs();
    fs.writeFileSync(t.vkey, JSON.stringify(vk, null, 2) + "\n");
    fs.writeFileSync(t.verifier, sol);
    for (const k of ["ptau", "zkey", "vkey", "verifier"] as const) fs.renameSync(t[k], files[k]);
    return res;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
