// `zkr web`'s server: only the files it lists, every answer cross-origin isolated, a
// configuration's input computed by the model (an empty batch the circuit accepts).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startWebServer, type WebConfig, type WebServer } from "../scripts/web/server.js";
import { applyBatch } from "../sequencer/model/batch.js";
import { L1Queue } from "../sequencer/model/queue.js";
import { RollupState } from "../sequencer/model/state.js";

let tmp: string;
let server: WebServer;
let config: WebConfig;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zkr-web-server-"));
  fs.mkdirSync(path.join(tmp, "web", "prove"), { recursive: true });
  fs.writeFileSync(path.join(tmp, "web", "prove", "index.html"), "<!doctype html><title>page</title>");
  fs.writeFileSync(path.join(tmp, "secret.txt"), "not to be served");
  for (const f of ["k.zkey", "c.wasm", "v.json"]) fs.writeFileSync(path.join(tmp, f), f);
  config = { name: "rollup_1x4", txs: 1, depth: 4, constraints: 100, power: 7, files: { zkey: path.join(tmp, "k.zkey"), wasm: path.join(tmp, "c.wasm"), vkey: path.join(tmp, "v.json") } };
  server = await startWebServer({ port: 0, root: path.join(tmp, "web"), configs: () => [config] });
});

afterAll(async () => {
  await server?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test("the page, the configurations and their files, each with the isolation headers", async () => {
  const page = await fetch(`${server.url}/prove/`);
  expect(page.status).toBe(200);
  expect(page.headers.get("cross-origin-opener-policy")).toBe("same-origin");
  expect(page.headers.get("cross-origin-embedder-policy")).toBe("require-corp");
  expect(await page.text()).toContain("<title>page</title>");
  const root = await fetch(`${server.url}/`, { redirect: "manual" });
  expect([root.status, root.headers.get("location")]).toEqual([302, "/prove/"]);

  const configs = (await (await fetch(`${server.url}/prove/api/configs`)).json()) as { name: string; zkey: string }[];
  expect(configs).toEqual([expect.objectContaining({ name: "rollup_1x4", zkey: "files/rollup_1x4/circuit.zkey" })]);
  const zkey = await fetch(`${server.url}/prove/files/rollup_1x4/circuit.zkey`);
  expect([zkey.status, zkey.headers.get("content-length"), await zkey.text()]).toEqual([200, "6", "k.zkey"]);
});

test("a configuration's input is the model's empty batch", async () => {
  const input = (await (await fetch(`${server.url}/prove/files/rollup_1x4/input.json`)).json()) as Record<string, unknown>;
  const expected = applyBatch(new RollupState({ depth: 4, chainId: 31337n, rollup: "0x000000000000000000000000000000000000dEaD" }), [], new L1Queue(), { slots: 1 }).witnessInputs;
  expect(input).toEqual(JSON.parse(JSON.stringify(expected, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))));
});

test("nothing outside the list: other names, other files, paths out of the folder, other methods", async () => {
  for (const p of ["/prove/files/rollup_9x9/circuit.zkey", "/prove/files/rollup_1x4/secret.txt", "/prove/files/..%2F..%2Fsecret.txt/circuit.zkey", "/prove/..%2Fsecret.txt", "/prove/%2e%2e/secret.txt", "/secret.txt", "/prove/vendor/../../secret.txt"]) {
    const r = await fetch(`${server.url}${p}`);
    expect({ p, status: r.status }).toEqual({ p, status: 404 });
    expect(await r.text()).not.toContain("not to be served");
  }
  expect((await fetch(`${server.url}/prove/`, { method: "POST", body: "x" })).status).toBe(405);
});

test("the page bundles for the browser: no Node module in it, Dawn and the npm ffjavascript replaced by throwing stubs", async () => {
  const { bundleWeb } = await import("../scripts/web/bundle.js");
  const out = await bundleWeb({ out: path.join(tmp, "bundle") });
  const main = fs.readFileSync(path.join(out, "prove", "main.js"), "utf8");
  expect(main).not.toMatch(/["']node:/);
  expect(main).toContain("prover/webgpu/dawn.ts is for Node only");
  expect(main).toContain("ffjavascript is for Node only");
  for (const f of ["index.html", "style.css", "cpu-worker.js", "vendor/snarkjs.min.js"]) expect(fs.existsSync(path.join(out, "prove", f))).toBe(true);
});
