/**
 * Bundles the browser pages (web/) with esbuild into build/web: the shared TypeScript (prover/,
 * core/) compiled for the browser, nothing Node-only in it. Two imports in the shared code are for
 * Node alone and never run in a page: Dawn's node bindings (prover/webgpu/dawn.ts, which a page
 * replaces with navigator.gpu) and the npm ffjavascript (which a page takes from snarkjs's browser
 * build); they are replaced by a module that throws if it ever runs. Any other `node:` import fails
 * the build. snarkjs's browser build is copied beside the page.
 */
import fs from "node:fs";
import path from "node:path";
import { ROOT } from "../../core/paths.js";

/** Where the pages are built. */
export const WEB_OUT = path.join(ROOT, "build", "web");

/** The pages and their entry points (the prover page's Web Worker for the cpu backend included). */
const PAGES = {
  prove: { entries: ["main.ts", "cpu-worker.ts"], copy: ["index.html", "style.css"] },
};

/** Imports the browser must never load, by the path esbuild resolves them to. */
const NODE_ONLY = /prover\/webgpu\/dawn\.ts$|^ffjavascript$/;

/** Builds every page; returns the output folder. Fails on any Node-only import. */
export async function bundleWeb(opts: { out?: string; log?: (l: string) => void } = {}): Promise<string> {
  const { build } = await import("esbuild");
  const out = opts.out ?? WEB_OUT;
  const t0 = performance.now();
  for (const [page, spec] of Object.entries(PAGES)) {
    const src = path.join(ROOT, "web", page);
    const dest = path.join(out, page);
    const entries = spec.entries.map((e) => path.join(src, e)).filter((e) => fs.existsSync(e));
    await build({
      entryPoints: entries,
      outdir: dest,
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      sourcemap: true,
      logLevel: "silent",
      // The TypeScript sources import each other as ".js".
      resolveExtensions: [".ts", ".js", ".mjs"],
      plugins: [
        {
          name: "zkr-node-only",
          setup(b) {
            b.onResolve({ filter: /^node:/ }, (a) => ({ errors: [{ text: `${a.importer}: imports ${a.path}, which a browser does not have` }] }));
            b.onResolve({ filter: /dawn\.js$|^ffjavascript$/ }, (a) => {
              const target = a.path === "ffjavascript" ? "ffjavascript" : path.resolve(a.resolveDir, a.path.replace(/\.js$/, ".ts"));
              return NODE_ONLY.test(target) ? { path: target, namespace: "zkr-node-only" } : undefined;
            });
            b.onLoad({ filter: /.*/, namespace: "zkr-node-only" }, (a) => ({
              contents: `throw new Error(${JSON.stringify(`${path.relative(ROOT, a.path)} is for Node only; a browser page gives its own (navigator.gpu, snarkjs's curve)`)});`,
              loader: "js",
            }));
          },
        },
        {
          // ".js" imports of TypeScript files, as tsc's NodeNext resolution writes them.
          name: "zkr-ts-as-js",
          setup(b) {
            b.onResolve({ filter: /^\.{1,2}\/.*\.js$/ }, (a) => {
              const ts = path.resolve(a.resolveDir, a.path.replace(/\.js$/, ".ts"));
              return fs.existsSync(ts) ? { path: ts } : undefined;
            });
          },
        },
      ],
    });
    for (const f of spec.copy) fs.copyFileSync(path.join(src, f), path.join(dest, f));
    fs.mkdirSync(path.join(dest, "vendor"), { recursive: true });
    fs.copyFileSync(path.join(ROOT, "node_modules", "snarkjs", "build", "snarkjs.min.js"), path.join(dest, "vendor", "snarkjs.min.js"));
  }
  opts.log?.(`pages bundled to ${path.relative(process.cwd(), out) || out} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return out;
}
