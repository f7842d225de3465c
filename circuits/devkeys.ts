/**
 * Development keys for a rollup configuration: compile the circuit, run the fast insecure
 * single-party setup (circuits/devsetup.ts), export the verification key and the Solidity
 * verifier, and cache all of it by the r1cs's hash under `build/keys/dev/<circuit>/`.
 *
 * INSECURE: the process that made these keys knew τ, α, β and δ; with them anyone can forge
 * proofs. They exist for tests and the local devnet only.
 */
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { ROOT, buildCircuit, circuitName, type CircuitArtifacts, type CircuitConfig } from "./build.js";
import { devSetup } from "./devsetup.js";
import { withBuildLock } from "./lock.js";
import { releaseSnarkjs } from "./witness.js";
import { sha256File } from "../core/files.js";
import type { OnProgress } from "../core/progress.js";

const require = createRequire(import.meta.url);

/** The files of a dev setup. */
export interface DevKeys {
  circuit: CircuitArtifacts;
  dir: string;
  ptau: string;
  zkey: string;
  vkey: string;
  verifier: string;
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
  const files = {
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
    const tmp = fs.mkdtempSync(path.join(dir, ".partial-"));
    try {
      const t = { ptau: path.join(tmp, "dev.ptau"), zkey: path.join(tmp, "key.zkey") };
      log(`${name}: insecure dev setup…`);
      const res = await devSetup({ r1csFile: circuit.r1cs, ptauOut: t.ptau, zkeyOut: t.zkey, log, progress: opts.progress });
      const snarkjs = await import("snarkjs");
      const vk = await snarkjs.zKey.exportVerificationKey(t.zkey);
      const template = fs.readFileSync(path.join(path.dirname(require.resolve("snarkjs")), "..", "templates", "verifier_groth16.sol.ejs"), "utf8");
      const sol = (await snarkjs.zKey.exportSolidityVerifier(t.zkey, { groth16: template })) as string;
      await releaseSnarkjs();
      fs.writeFileSync(path.join(tmp, "vkey.json"), JSON.stringify(vk, null, 2) + "\n");
      fs.writeFileSync(path.join(tmp, "verifier.sol"), sol);
      fs.renameSync(t.ptau, files.ptau);
      fs.renameSync(t.zkey, files.zkey);
      fs.renameSync(path.join(tmp, "vkey.json"), files.vkey);
      fs.renameSync(path.join(tmp, "verifier.sol"), files.verifier);
      const manifest = { circuit: name, r1csSha256: r1csHash, zkeySha256: sha256File(files.zkey), power: res.power, seconds: res.seconds, madeAt: new Date().toISOString(), warning: "INSECURE development keys" };
      fs.writeFileSync(path.join(tmp, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
      fs.renameSync(path.join(tmp, "manifest.json"), manifestFile);
      log(`${name}: dev keys made in ${(res.seconds.ptau + res.seconds.zkey).toFixed(1)} s (2^${res.power})`);
      return { circuit, dir, ...files, power: res.power, seconds: res.seconds, cached: false };
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
}
