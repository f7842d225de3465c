/**
 * Builds the web app (web/app: explorer, wallet, operator dashboard) with Vite into build/app,
 * which the sequencer serves at /app/ (`zkr up`). The app bundles the same TypeScript the Node
 * side runs (the model's signing, the wallet library, the API client): the few Node built-ins the
 * model imports become browser shims (web/app/src/shims), and any other `node:` import fails the
 * build rather than break a page at run time.
 *
 * `ensureApp` builds only when the app is missing or older than one of the files it was built
 * from (recorded in build/app/.inputs.json), so `zkr up` pays the build once per change.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ROOT } from "../../core/paths.js";
import { withBuildLock } from "../../circuits/lock.js";

/** Where the app is built; the sequencer serves this folder at /app/. */
export const APP_OUT = path.join(ROOT, "build", "app");
const APP_SRC = path.join(ROOT, "web", "app");
const SHIMS = path.join(APP_SRC, "src", "shims");
/** The files the last build read, and when it finished. */
const INPUTS_FILE = ".inputs.json";

interface Inputs { builtAt: number; files: string[] }

/** True when `out` holds a build newer than every file it was built from. */
export function appIsFresh(out = APP_OUT): boolean {
  let inputs: Inputs;
  try {
    inputs = JSON.parse(fs.readFileSync(path.join(out, INPUTS_FILE), "utf8")) as Inputs;
  } catch {
    return false;
  }
  if (!fs.existsSync(path.join(out, "index.html"))) return false;
  for (const f of inputs.files) {
    let st: fs.Stats;
    try {
      st = fs.statSync(path.join(ROOT, f));
    } catch {
      return false;
    }
    if (st.mtimeMs > inputs.builtAt) return false;
  }
  return true;
}

/** Builds the app into `out` (a temporary folder renamed into place); returns `out`. */
export async function buildApp(opts: { out?: string; log?: (l: string) => void } = {}): Promise<string> {
  const { build } = await import("vite");
  const out = opts.out ?? APP_OUT;
  const tmp = `${out}.${process.pid}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  const t0 = performance.now();
  const read = new Set<string>();
  const startedAt = Date.now();
  await build({
    root: APP_SRC,
    base: "/app/",
    configFile: false,
    logLevel: "warn",
    publicDir: false,
    resolve: {
      alias: [
        { find: /^node:crypto$/, replacement: path.join(SHIMS, "node-crypto.ts") },
        { find: /^node:module$/, replacement: path.join(SHIMS, "node-module.ts") },
        { find: /^node:path$/, replacement: path.join(SHIMS, "node-only.ts") },
        { find: /^zkr-blake1$/, replacement: path.join(ROOT, "node_modules", "@zk-kit", "eddsa-poseidon", "dist", "lib.esm", "eddsa-poseidon-blake-1.js") },
      ],
    },
    esbuild: { jsx: "automatic", jsxImportSource: "preact" },
    build: {
      outDir: tmp,
      emptyOutDir: true,
      target: "es2022",
      sourcemap: true,
      chunkSizeWarningLimit: 4096,
      reportCompressedSize: false,
    },
    plugins: [
      {
        name: "zkr-node-only",
        enforce: "pre",
        resolveId(id, importer) {
          if (id.startsWith("node:")) throw new Error(`${importer ? path.relative(ROOT, importer) : "?"}: imports ${id}, which the browser app has no shim for`);
          return null;
        },
      },
      {
        // Which of this repository's files the bundle read: the freshness check compares their times.
        name: "zkr-inputs",
        load(id) {
          const file = id.split("?")[0];
          if (file.startsWith(ROOT) && !file.includes(`${path.sep}node_modules${path.sep}`) && fs.existsSync(file)) read.add(path.relative(ROOT, file));
          return null;
        },
      },
    ],
  });
  read.add(path.relative(ROOT, path.join(APP_SRC, "index.html")));
  read.add("package-lock.json");
  read.add(path.relative(ROOT, fileURLToPath(import.meta.url)).replace(/^build\/js\//, "").replace(/\.js$/, ".ts")); // this build's own settings
  const inputs: Inputs = { builtAt: startedAt, files: [...read].sort() };
  fs.writeFileSync(path.join(tmp, INPUTS_FILE), JSON.stringify(inputs, null, 1) + "\n");
  // Swapped by renames, so a server reading `out` meanwhile finds the old build or the new one.
  const old = `${out}.${process.pid}.old`;
  if (fs.existsSync(out)) fs.renameSync(out, old);
  fs.renameSync(tmp, out);
  fs.rmSync(old, { recursive: true, force: true });
  opts.log?.(`app built to ${path.relative(process.cwd(), out) || out} in ${((performance.now() - t0) / 1000).toFixed(1)} s (${inputs.files.length} source files)`);
  return out;
}

/**
 * The built app, building it first when it is missing or stale. Processes that start at once (two
 * `zkr up`, test files) build it once: the others wait on the build lock, then find it fresh.
 */
export async function ensureApp(opts: { out?: string; log?: (l: string) => void } = {}): Promise<string> {
  const out = opts.out ?? APP_OUT;
  if (appIsFresh(out)) return out;
  return withBuildLock(out, "app", opts.log ?? (() => {}), async () => (appIsFresh(out) ? out : buildApp({ ...opts, out })));
}
