/**
 * Compiles the rollup circuit for one configuration (batch size, tree depth) with circom2,
 * the circom compiler built to WebAssembly, so no global install is needed. Artefacts land in
 * `build/circuits/rollup_<txs>x<depth>/` with a manifest; a configuration is rebuilt only when
 * the Circom sources, circomlib or the parameters change.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { withBuildLock } from "./lock.js";
import { inspectR1cs } from "./files.js";
import { startPool, WorkerTaskError } from "../core/pool.js";
import { sha256File } from "../core/files.js";
import type { CircomResult, CircomTask } from "./circom-task.js";

const require = createRequire(import.meta.url);

import { ROOT } from "../core/paths.js";
import type { OnProgress } from "../core/progress.js";

export { ROOT };
const SRC = path.join(ROOT, "circuits", "src");

import { CircuitBuildError, circuitName, validateConfig, type CircuitConfig } from "./config.js";

export { CircuitBuildError, circuitName, validateConfig, type CircuitConfig };

/** What a build produced and how it was made. */
export interface CircuitManifest {
  name: string;
  config: CircuitConfig;
  constraints: number;
  wires: number;
  publicSignals: number;
  compiler: string;
  sourceHash: string;
  files: Record<string, string>;
  builtAt: string;
  buildSeconds: number;
}

/** Paths of a configuration's artefacts. */
export interface CircuitArtifacts {
  dir: string;
  r1cs: string;
  wasm: string;
  sym: string;
  manifest: CircuitManifest;
}

/** Hash of everything a build depends on: our sources, circomlib's version, the compiler. */
export function sourceHash(): string {
  const h = createHash("sha256");
  for (const f of fs.readdirSync(SRC).sort()) {
    h.update(f).update(fs.readFileSync(path.join(SRC, f)));
  }
  h.update(compilerVersion());
  h.update(require("circomlib/package.json").version as string);
  return h.digest("hex");
}

/** The circom2 package version (which pins the compiler inside it). */
export function compilerVersion(): string {
  return `circom2@${require("circom2/package.json").version as string}`;
}

/** Reads the header of an .r1cs file: constraints, wires, public signals. @throws FileFormatError */
export function readR1csHeader(file: string): { constraints: number; wires: number; publicSignals: number } {
  const r = inspectR1cs(file);
  return { constraints: r.nConstraints, wires: r.nWires, publicSignals: r.nOutputs + r.nPubInputs };
}

function artifactsOf(dir: string, manifest: CircuitManifest): CircuitArtifacts {
  return {
    dir,
    r1cs: path.join(dir, "rollup.r1cs"),
    wasm: path.join(dir, "rollup_js", "rollup.wasm"),
    sym: path.join(dir, "rollup.sym"),
    manifest,
  };
}

/** Options of {@link buildCircuit}. */
export interface BuildOptions {
  /** Where artefact folders go; default `<repo>/build/circuits`. */
  outRoot?: string;
  /** Rebuild even when the manifest says the artefacts are current. */
  force?: boolean;
  /** Progress lines. */
  log?: (line: string) => void;
  /**
   * Called every second while the compiler runs (it says nothing until it is done): seconds spent
   * of the previous build's time for this configuration (0 when there was none).
   */
  progress?: OnProgress;
}

/** Returns the artefacts of a configuration, compiling it first when needed. */
export async function buildCircuit(config: CircuitConfig, opts: BuildOptions = {}): Promise<CircuitArtifacts> {
  validateConfig(config);
  const log = opts.log ?? (() => {});
  const name = circuitName(config);
  const outRoot = opts.outRoot ?? path.join(ROOT, "build", "circuits");
  const dir = path.join(outRoot, name);
  const manifestPath = path.join(dir, "manifest.json");
  const srcHash = sourceHash();

  const cached = (): CircuitArtifacts | undefined => {
    if (opts.force || !fs.existsSync(manifestPath)) return undefined;
    const manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8")) as CircuitManifest;
    const intact = Object.entries(manifest.files).every(
      ([rel, hash]) => fs.existsSync(path.join(dir, rel)) && sha256File(path.join(dir, rel)) === hash,
    );
    if (manifest.sourceHash !== srcHash || !intact) return undefined;
    log(`${name}: up to date (${manifest.constraints} constraints)`);
    return artifactsOf(dir, manifest);
  };
  const hit = cached();
  if (hit) return hit;
  /** How long the last build of this configuration took (an estimate for this one), or 0. */
  function previousBuildSeconds(): number {
    try {
      return Math.round((JSON.parse(fs.readFileSync(manifestPath, "utf8")) as CircuitManifest).buildSeconds ?? 0);
    } catch {
      return 0;
    }
  }
  // One process compiles; one that waited for it finds the artefacts made.
  return withBuildLock(dir, name, log, async () => cached() ?? compile());

  async function compile(): Promise<CircuitArtifacts> {
    // Build into a fresh temporary folder and rename it into place, so an interrupted build
    // never leaves artefacts that look complete.
    fs.mkdirSync(outRoot, { recursive: true });
    const tmp = fs.mkdtempSync(path.join(outRoot, `.${name}-`));
    try {
      const main = path.join(tmp, "rollup.circom");
      fs.writeFileSync(
        main,
        `pragma circom 2.1.0;\ninclude "${path.relative(tmp, path.join(SRC, "rollup.circom"))}";\n` +
          `component main = Rollup(${config.txs}, ${config.depth});\n`,
      );
      log(`${name}: compiling with ${compilerVersion()} (--O2)…`);
      const t0 = performance.now();
      // The compiler says nothing until it is done (minutes for ~1M constraints): report the time.
      const estimate = previousBuildSeconds();
      const tick = opts.progress ? (s: number) => opts.progress!({ step: `${name}: compiling`, done: Math.round(s), total: estimate, unit: "s" }) : undefined;
      await runCircom([main, "--r1cs", "--wasm", "--sym", "--O2", "-l", path.join(ROOT, "node_modules"), "-o", tmp], tick, 1);
      const buildSeconds = (performance.now() - t0) / 1000;
      // circom's witness generator is CommonJS; the package is ESM.
      const jsDir = path.join(tmp, "rollup_js");
      for (const f of ["witness_calculator.js", "generate_witness.js"]) {
        const p = path.join(jsDir, f);
        if (fs.existsSync(p)) fs.renameSync(p, p.replace(/\.js$/, ".cjs"));
      }
      const gen = path.join(jsDir, "generate_witness.cjs");
      if (fs.existsSync(gen)) {
        fs.writeFileSync(gen, fs.readFileSync(gen, "utf8").replace("witness_calculator.js", "witness_calculator.cjs"));
      }
      const files: Record<string, string> = {};
      for (const rel of ["rollup.r1cs", "rollup.sym", "rollup_js/rollup.wasm", "rollup_js/witness_calculator.cjs"]) {
        files[rel] = sha256File(path.join(tmp, rel));
      }
      const header = readR1csHeader(path.join(tmp, "rollup.r1cs"));
      const manifest: CircuitManifest = {
        name,
        config,
        ...header,
        compiler: compilerVersion(),
        sourceHash: srcHash,
        files,
        builtAt: new Date().toISOString(),
        buildSeconds: Math.round(buildSeconds * 10) / 10,
      };
      fs.writeFileSync(path.join(tmp, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
      fs.rmSync(main);
      fs.rmSync(dir, { recursive: true, force: true });
      try {
        fs.renameSync(tmp, dir);
      } catch (err) {
        // Another process built the same configuration meanwhile: keep its artefacts.
        const other = path.join(dir, "manifest.json");
        if (!fs.existsSync(other) || (JSON.parse(fs.readFileSync(other, "utf8")) as CircuitManifest).sourceHash !== srcHash) throw err;
        fs.rmSync(tmp, { recursive: true, force: true });
      }
      log(`${name}: ${manifest.constraints} constraints, built in ${manifest.buildSeconds} s`);
      return artifactsOf(dir, manifest);
    } catch (err) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
  }
}

/**
 * Compiles any circom file (main component inside) into `outDir`: `<name>.r1cs`, `<name>.sym`,
 * `<name>_js/<name>.wasm` with a CommonJS witness calculator. For test and example circuits; the
 * rollup circuit goes through {@link buildCircuit}, which caches.
 */
export async function compileCircomFile(file: string, outDir: string): Promise<{ r1cs: string; wasm: string; sym: string }> {
  const name = path.basename(file, ".circom");
  fs.mkdirSync(outDir, { recursive: true });
  await runCircom([file, "--r1cs", "--wasm", "--sym", "--O2", "-l", path.join(ROOT, "node_modules"), "-o", outDir]);
  const jsDir = path.join(outDir, `${name}_js`);
  const calc = path.join(jsDir, "witness_calculator.js");
  if (fs.existsSync(calc)) fs.renameSync(calc, path.join(jsDir, "witness_calculator.cjs"));
  fs.rmSync(path.join(jsDir, "generate_witness.js"), { force: true });
  return { r1cs: path.join(outDir, `${name}.r1cs`), wasm: path.join(jsDir, `${name}.wasm`), sym: path.join(outDir, `${name}.sym`) };
}

/**
 * Runs circom2 with the given arguments on a worker thread of its own (circuits/circom-task.ts on
 * core/pool.ts; one pool per compile, closed after), calling `progress` with the elapsed seconds
 * every `every` seconds meanwhile. Absolute paths are made relative to the working directory:
 * circom2's WASI sandbox sees only preopened folders.
 */
async function runCircom(args: string[], progress?: (seconds: number) => void, every = 5): Promise<void> {
  const cwd = process.cwd();
  const rel = args.map((a) => (path.isAbsolute(a) ? path.relative(cwd, a) || "." : a));
  const pool = await startPool<CircomTask, CircomResult>({ name: "circom", module: new URL("./circom-task.ts", import.meta.url), describe: () => "compile" });
  const t0 = performance.now();
  const timer = progress ? setInterval(() => progress((performance.now() - t0) / 1000), every * 1000) : undefined;
  try {
    const result = await pool.run({ args: rel }).catch((err: unknown) => {
      const why = err instanceof WorkerTaskError ? err.shortMessage : String(err);
      throw new CircuitBuildError(`circom worker died before reporting (out of memory?): ${why}`, { cause: err });
    });
    if (result.code !== 0) throw new CircuitBuildError(`circom failed (exit ${result.code}):\n${result.output.trim()}`);
  } finally {
    if (timer) clearInterval(timer);
    await pool.destroy();
  }
}
