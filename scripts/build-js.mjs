// Compiles zkr's TypeScript to JavaScript under build/js (same folders, .ts → .js), so that the CLI
// starts without the TypeScript loader: `npm install` runs it (package.json's "prepare"), and
// bin/zkr.js uses the result only while it is newer than every source file (see there); otherwise
// it runs the sources through tsx as before. Plain JavaScript: it runs before anything is built.
//
// Each file is transpiled on its own by esbuild (what tsx does on the fly), so the output keeps the
// sources' layout and their relative imports and files (`new URL("./x.mjs", import.meta.url)`).
// The result is written to a temporary folder and renamed into place with its stamp, so that a CLI
// starting meanwhile sees the old build, the new one, or none.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** The folders the CLI loads code from (tests are not part of it); bin/zkr.js checks the build against the same. */
export const SOURCE_DIRS = ["core", "sequencer", "circuits", "prover", "contracts", "scripts", "bench"];
/** Copied as they are: plain JavaScript modules and JSON read beside the code. */
const COPY = /\.(mjs|json)$/;
const SKIP_DIRS = new Set(["node_modules", "results", "src", "test"]);

function* sources(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith(".")) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) yield* sources(p);
    } else if ((e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) || COPY.test(e.name)) {
      yield p;
    }
  }
}

async function build() {
  // Loaded here, not at the top: bin/zkr.js imports this file for SOURCE_DIRS on every start.
  const { transform } = await import("esbuild");
  const t0 = performance.now();
  const out = path.join(ROOT, "build", "js");
  const tmp = `${out}.${process.pid}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  let n = 0;
  for (const top of SOURCE_DIRS) {
    for (const file of sources(path.join(ROOT, top))) {
      const rel = path.relative(ROOT, file);
      const dest = path.join(tmp, rel.replace(/\.ts$/, ".js"));
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      if (file.endsWith(".ts")) {
        const { code } = await transform(fs.readFileSync(file, "utf8"), { loader: "ts", format: "esm", target: "node20", sourcefile: rel, sourcemap: "inline" });
        fs.writeFileSync(dest, code);
      } else {
        fs.copyFileSync(file, dest);
      }
      n++;
    }
  }
  // The cpu backend's WebAssembly module, assembled once here rather than by every process that
  // starts the backend (≈ 0.15 s of each `zkr prove`): prover/cpu/wasm/module.ts reads it when it
  // runs from this build.
  const wasmDir = path.join(tmp, "prover", "cpu", "wasm");
  const { PREBUILT_FILE } = await import(pathToFileURL(path.join(wasmDir, "module.js")).href);
  const { buildCpuWasmCode } = await import(pathToFileURL(path.join(wasmDir, "assemble.js")).href);
  const w = buildCpuWasmCode();
  fs.writeFileSync(path.join(wasmDir, PREBUILT_FILE), JSON.stringify({ staticEnd: w.staticEnd, frOne: w.frOne, code: Buffer.from(w.code).toString("base64") }) + "\n");
  fs.writeFileSync(path.join(tmp, "stamp.json"), JSON.stringify({ builtAt: Date.now(), files: n }) + "\n");
  const old = `${out}.${process.pid}.old`;
  if (fs.existsSync(out)) fs.renameSync(out, old);
  fs.renameSync(tmp, out);
  fs.rmSync(old, { recursive: true, force: true });
  console.error(`zkr: compiled ${n} files to build/js in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await build();
