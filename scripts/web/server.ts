/**
 * The web server of `zkr web`: the pages bundled in build/web (scripts/web/bundle.ts) and what the
 * prover page proves, from this checkout's development keys:
 *
 *   GET /                         → /prove/
 *   GET /prove/…                  the prover page, its scripts and snarkjs's browser build
 *   GET /prove/api/configs        the configurations with dev keys and a built circuit
 *   GET /prove/files/<name>/…     circuit.zkey, circuit.wasm, vkey.json, input.json (an empty batch)
 *
 * Every answer carries COOP/COEP/CORP headers, so the page is cross-origin isolated (the CPU
 * workers share WebAssembly memory). Only the files listed are served: a name is looked up among
 * the configurations found, never joined into a path as given.
 */
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { ROOT } from "../../core/paths.js";
import { proofJobSpec } from "../../core/jobs/types.js";
import { applyBatch } from "../../sequencer/model/batch.js";
import { L1Queue } from "../../sequencer/model/queue.js";
import { RollupState } from "../../sequencer/model/state.js";
import { WEB_OUT } from "./bundle.js";

/** A configuration the prover page can prove. */
export interface WebConfig {
  name: string;
  txs: number;
  depth: number;
  constraints: number;
  power: number;
  files: { zkey: string; wasm: string; vkey: string };
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".wasm": "application/wasm",
  ".zkey": "application/octet-stream",
};

/** The rollup configurations that have development keys and a built circuit in this checkout. */
export function findConfigs(keysRoot = path.join(ROOT, "build", "keys", "dev"), circuitsRoot = path.join(ROOT, "build", "circuits")): WebConfig[] {
  if (!fs.existsSync(keysRoot)) return [];
  const out: WebConfig[] = [];
  for (const name of fs.readdirSync(keysRoot).sort()) {
    const m = /^rollup_(\d+)x(\d+)$/.exec(name);
    if (!m) continue;
    const files = {
      zkey: path.join(keysRoot, name, `${name}.zkey`),
      vkey: path.join(keysRoot, name, `${name}.vkey.json`),
      wasm: path.join(circuitsRoot, name, "rollup_js", "rollup.wasm"),
    };
    const manifest = path.join(circuitsRoot, name, "manifest.json");
    if (![...Object.values(files), manifest].every((f) => fs.existsSync(f))) continue;
    const { constraints, publicSignals } = JSON.parse(fs.readFileSync(manifest, "utf8")) as { constraints: number; publicSignals: number };
    out.push({ name, txs: Number(m[1]), depth: Number(m[2]), constraints, power: Math.ceil(Math.log2(constraints + publicSignals + 1)), files });
  }
  return out;
}

/** The witness inputs of an empty batch (every slot a no-op) of a configuration: something to prove. */
function emptyBatchInput(c: WebConfig): string {
  const state = new RollupState({ depth: c.depth, chainId: 31337n, rollup: "0x000000000000000000000000000000000000dEaD" });
  // The same JSON a proof job gives the witness generator.
  return JSON.stringify(proofJobSpec(applyBatch(state, [], new L1Queue(), { slots: c.txs }), c).input);
}

export interface WebServer {
  url: string;
  close(): Promise<void>;
}

/** Starts the server on host:port (port 0: any free one). */
export async function startWebServer(o: { host?: string; port?: number; root?: string; configs?: () => WebConfig[]; log?: (l: string) => void } = {}): Promise<WebServer> {
  const root = o.root ?? WEB_OUT;
  const configs = o.configs ?? (() => findConfigs());
  const inputs = new Map<string, string>();
  const server = http.createServer((req, res) => {
    void answer(req, res).catch((err: Error) => {
      o.log?.(`${req.method} ${req.url}: ${err.message}`);
      if (!res.headersSent) send(res, 500, "text/plain; charset=utf-8", `${err.message}\n`);
      else res.destroy();
    });
  });

  function headers(type: string, extra: Record<string, string | number> = {}): Record<string, string | number> {
    return {
      "content-type": type,
      "cross-origin-opener-policy": "same-origin",
      "cross-origin-embedder-policy": "require-corp",
      "cross-origin-resource-policy": "same-origin",
      "x-content-type-options": "nosniff",
      "cache-control": "no-cache",
      ...extra,
    };
  }
  function send(res: http.ServerResponse, status: number, type: string, body: string): void {
    res.writeHead(status, headers(type, { "content-length": Buffer.byteLength(body) }));
    res.end(body);
  }
  function sendFile(res: http.ServerResponse, file: string): void {
    const size = fs.statSync(file).size;
    res.writeHead(200, headers(TYPES[path.extname(file)] ?? "application/octet-stream", { "content-length": size }));
    fs.createReadStream(file).pipe(res);
  }

  async function answer(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "text/plain; charset=utf-8", "GET only\n");
    const url = new URL(req.url ?? "/", "http://x");
    const p = decodeURIComponent(url.pathname);
    if (p === "/" || p === "/prove") {
      res.writeHead(302, headers("text/plain; charset=utf-8", { location: "/prove/" }));
      return void res.end();
    }
    if (p === "/prove/api/configs") {
      const list = configs().map((c) => ({
        name: c.name,
        constraints: c.constraints,
        power: c.power,
        zkey: `files/${c.name}/circuit.zkey`,
        wasm: `files/${c.name}/circuit.wasm`,
        vkey: `files/${c.name}/vkey.json`,
        input: `files/${c.name}/input.json`,
      }));
      return send(res, 200, TYPES[".json"], JSON.stringify(list));
    }
    const f = /^\/prove\/files\/([^/]+)\/(circuit\.zkey|circuit\.wasm|vkey\.json|input\.json)$/.exec(p);
    if (f) {
      const c = configs().find((x) => x.name === f[1]);
      if (!c) return send(res, 404, "text/plain; charset=utf-8", `no configuration ${f[1]}\n`);
      if (f[2] === "input.json") {
        let input = inputs.get(c.name);
        if (!input) inputs.set(c.name, (input = emptyBatchInput(c)));
        return send(res, 200, TYPES[".json"], input);
      }
      return sendFile(res, f[2] === "circuit.zkey" ? c.files.zkey : f[2] === "circuit.wasm" ? c.files.wasm : c.files.vkey);
    }
    const m = /^\/prove\/((?:vendor\/)?[A-Za-z0-9_.-]*)$/.exec(p);
    if (m) {
      const file = path.join(root, "prove", m[1] || "index.html");
      if (fs.existsSync(file) && fs.statSync(file).isFile()) return sendFile(res, file);
    }
    send(res, 404, "text/plain; charset=utf-8", `not found: ${p}\n`);
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port ?? 8090, o.host ?? "127.0.0.1", () => resolve());
  });
  const a = server.address() as { address: string; port: number };
  const host = a.address.includes(":") ? `[${a.address}]` : a.address;
  return {
    url: `http://${host}:${a.port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
