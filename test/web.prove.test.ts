/**
 * The prover page (`zkr web`) in a real browser: Debian's chromium with WebGPU on SwiftShader's
 * Vulkan. A proof made in the page (the same prover/ code, bundled for the browser) verifies with
 * snarkjs in Node, and a tampered one does not; bad input is refused with a clear message; without
 * a WebGPU adapter the page falls back to the CPU workers and says so.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { bundleWeb } from "../scripts/web/bundle.js";
import { startWebServer, type WebServer } from "../scripts/web/server.js";
import { toyGroth16 } from "./helpers/circuit.js";
import { launchChromium, pageLog } from "./helpers/browser.js";
import { releaseSnarkjs } from "../circuits/witness.js";
import { R } from "../core/bn254.js";
import { devKeys } from "../circuits/devkeys.js";
import { circuitName } from "../circuits/config.js";
import { findConfigs } from "../scripts/web/server.js";

interface PageResult {
  proof: { pi_a: string[]; pi_b: string[][]; pi_c: string[] };
  publicSignals: string[];
  backend: string;
  description: string;
  fallback?: string;
  verified?: boolean;
}

let tmp: string;
let toy: { wasm: string; zkey: string; vkey: unknown; vkeyFile: string };
let server: WebServer;
/** The 4×8 rollup's development keys, which the server offers as a configuration. */
const ROLLUP = { txs: 4, depth: 8 };
let rollupVkey: unknown;
let browser: Browser;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zkr-web-"));
  const out = path.join(tmp, "web");
  const [keys, , rollup] = await Promise.all([toyGroth16(tmp), bundleWeb({ out }), devKeys(ROLLUP)]);
  rollupVkey = JSON.parse(fs.readFileSync(rollup.vkey, "utf8"));
  const vkeyFile = path.join(tmp, "toy.vkey.json");
  fs.writeFileSync(vkeyFile, JSON.stringify(keys.vkey));
  toy = { ...keys, vkeyFile };
  fs.writeFileSync(path.join(tmp, "good.json"), JSON.stringify({ a: 3, b: 5, pub: 7 }));
  fs.writeFileSync(path.join(tmp, "bad.json"), JSON.stringify({ a: 3, b: 5 }));
  server = await startWebServer({ port: 0, root: out, configs: () => findConfigs().filter((c) => c.name === circuitName(ROLLUP)) });
  browser = await launchChromium({ webgpu: true });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await releaseSnarkjs();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** Opens the page, gives it the toy's files and `input`, proves on `backend`; the page's result or error. */
async function proveInPage(page: Page, backend: string, input: string): Promise<{ result?: PageResult; error?: string }> {
  await page.goto(`${server.url}/prove/`);
  await page.waitForSelector("body[data-ready=true]");
  await page.click("#own-files summary");
  await page.setInputFiles("#file-zkey", toy.zkey);
  await page.setInputFiles("#file-wasm", toy.wasm);
  await page.setInputFiles("#file-input", path.join(tmp, input));
  await page.setInputFiles("#file-vkey", toy.vkeyFile);
  await page.check(`input[name=backend][value=${backend}]`);
  await page.click("#prove");
  await page.waitForFunction(() => window.zkrLast || window.zkrError, null, { timeout: 900_000, polling: 500 });
  return page.evaluate(() => ({ result: window.zkrLast as unknown as PageResult | undefined, error: window.zkrError }));
}

/** Opens the page, picks a configuration the server offers (its key read as it downloads), proves on `backend`. */
async function proveConfigInPage(page: Page, backend: string, config: string): Promise<{ result?: PageResult; error?: string }> {
  await page.goto(`${server.url}/prove/`);
  await page.waitForSelector("body[data-ready=true]");
  await page.selectOption("#config", config);
  await page.check(`input[name=backend][value=${backend}]`);
  await page.click("#prove");
  await page.waitForFunction(() => window.zkrLast || window.zkrError, null, { timeout: 900_000, polling: 500 });
  return page.evaluate(() => ({ result: window.zkrLast as unknown as PageResult | undefined, error: window.zkrError }));
}

declare global {
  interface Window {
    zkrLast?: unknown;
    zkrError?: string;
  }
}

test("a proof made on WebGPU in the page verifies with snarkjs in Node; a tampered one does not", async () => {
  const page = await browser.newPage();
  const lines = pageLog(page);
  const { result, error } = await proveInPage(page, "webgpu", "good.json");
  expect({ error, lines: error ? lines : [] }).toEqual({ error: undefined, lines: [] });
  expect(result!.backend).toBe("webgpu");
  expect(result!.fallback).toBeUndefined();
  expect(result!.description).toMatch(/swiftshader/i);
  expect(result!.verified).toBe(true);
  // The page shows the verdict and offers the files.
  expect(await page.textContent("#verdict")).toContain("verified by snarkjs");
  expect(JSON.parse((await page.textContent("#proof-json"))!)).toEqual(result!.proof);

  const snarkjs = await import("snarkjs");
  // The toy's public signals: its output, then the public input `pub`.
  expect(result!.publicSignals.at(-1)).toBe("7");
  expect(await snarkjs.groth16.verify(toy.vkey, result!.publicSignals, result!.proof)).toBe(true);
  const tampered = structuredClone(result!.proof);
  tampered.pi_c[0] = ((BigInt(tampered.pi_c[0]) + 1n) % R).toString();
  expect(await snarkjs.groth16.verify(toy.vkey, result!.publicSignals, tampered)).toBe(false);
  expect(await snarkjs.groth16.verify(toy.vkey, [...result!.publicSignals.slice(0, -1), "8"], result!.proof)).toBe(false);
  await page.close();
}, 900_000);

test("an input the circuit rejects is refused with the witness error, and no proof is shown", async () => {
  const page = await browser.newPage();
  const { result, error } = await proveInPage(page, "webgpu", "bad.json");
  expect(result).toBeUndefined();
  expect(error).toMatch(/pub|input|signal/i);
  expect(await page.isVisible("#error")).toBe(true);
  expect(await page.isVisible("#result")).toBe(false);
  await page.close();
}, 300_000);

test("without a WebGPU adapter the page says so and proves the served 4×8 rollup on the CPU workers; the proof verifies", async () => {
  const plain = await launchChromium({ webgpu: false });
  try {
    const page = await plain.newPage();
    const lines = pageLog(page);
    const { result, error } = await proveConfigInPage(page, "webgpu", circuitName(ROLLUP));
    expect({ error, lines: error ? lines : [] }).toEqual({ error: undefined, lines: [] });
    expect(result!.backend).toBe("cpu");
    expect(result!.fallback).toMatch(/^WebGPU is not usable here \(.*adapter.*\): proving on the CPU workers instead$/);
    expect(result!.description).toMatch(/^WebAssembly on \d+ Web Workers$/);
    expect(await page.textContent("#notice")).toBe(result!.fallback);
    expect(await page.textContent("#device-gpu")).toMatch(/^WebGPU: not available: /);
    expect(result!.verified).toBe(true);
    const snarkjs = await import("snarkjs");
    expect(await snarkjs.groth16.verify(rollupVkey, result!.publicSignals, result!.proof)).toBe(true);
  } finally {
    await plain.close();
  }
}, 300_000);

test("an adapter too small for the key (buffers refused mid-proof) hands the proof to the CPU workers, which say why", async () => {
  const page = await browser.newPage();
  // The device reports 1 KiB buffers and bindings, as an adapter far too small for the key would:
  // the backend opens, then refuses the key's bases.
  await page.addInitScript(() => {
    const real = Object.getOwnPropertyDescriptor(GPUDevice.prototype, "limits")!.get!;
    Object.defineProperty(GPUDevice.prototype, "limits", {
      get(this: GPUDevice) {
        const l = real.call(this) as GPUSupportedLimits;
        return new Proxy(l, { get: (t, k) => (k === "maxBufferSize" || k === "maxStorageBufferBindingSize" ? 1024 : Reflect.get(t, k, t)) });
      },
    });
  });
  fs.writeFileSync(path.join(tmp, "wide.json"), JSON.stringify({ a: 6, b: 7, pub: 2 }));
  const { result, error } = await proveInPage(page, "webgpu", "wide.json");
  expect(error).toBeUndefined();
  expect(result!.backend).toBe("cpu");
  expect(result!.fallback).toMatch(/^WebGPU failed on this proof \(.*\): proving on the CPU workers instead$/);
  expect(await page.textContent("#notice")).toBe(result!.fallback);
  const snarkjs = await import("snarkjs");
  expect(await snarkjs.groth16.verify(toy.vkey, result!.publicSignals, result!.proof)).toBe(true);
  await page.close();
}, 300_000);
