/**
 * The prover page (served by `zkr web`): the Prove tab proves a configuration zkr serves, or the
 * user's own zkey, wasm and input, on the chosen backend and shows each step's time, the
 * verification and the files; the Benchmark tab is ./bench.ts.
 */
import { BackendError } from "../../prover/backend.js";
import type { StepProgress } from "../../core/progress.js";
import { describeWebGpu, fetchOk, openBackend, proveOnce, proveWithSnarkjs, snarkjs, type BackendChoice, type OpenedBackend, type ProofRequest, type ProofResult } from "./engine.js";
import { setupBench } from "./bench.js";

/** A configuration the server offers (GET api/configs). */
export interface ServedConfig {
  name: string;
  constraints: number;
  power: number;
  zkey: string;
  wasm: string;
  input: string;
  vkey: string;
}

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const show = (id: string, on: boolean) => ($(id).hidden = !on);

function log(line: string): void {
  const el = $("log");
  el.textContent += `${new Date().toISOString().slice(11, 23)} ${line}\n`;
}

function say(id: "notice" | "error", text: string | undefined): void {
  $(id).textContent = text ?? "";
  show(id, !!text);
}

function progress(p: StepProgress): void {
  show("progress-box", true);
  const bar = $<HTMLProgressElement>("progress");
  const label = $("progress-label");
  if (p.total > 0) {
    bar.max = p.total;
    bar.value = Math.min(p.done, p.total);
    const amount = p.unit === "bytes" ? `${(p.done / 2 ** 20).toFixed(0)} of ${(p.total / 2 ** 20).toFixed(0)} MiB` : `${p.done} of ${p.total} ${p.unit}`;
    label.textContent = `${p.step}: ${amount}`;
  } else {
    bar.removeAttribute("value");
    label.textContent = `${p.step}…`;
  }
}

let configs: ServedConfig[] = [];
const opened = new Map<string, Promise<OpenedBackend>>();

/** The backend asked for, opened once per page (WebGPU compiles its kernels on first use). */
function backendFor(choice: BackendChoice, defaultLimits: boolean): Promise<OpenedBackend> {
  const key = `${choice}/${defaultLimits}`;
  let b = opened.get(key);
  if (!b) {
    b = openBackend(choice, { defaultLimits, log });
    b.catch(() => opened.delete(key));
    opened.set(key, b);
  }
  return b;
}

/** What the form asks to prove, with the verification key when there is one. */
async function request(): Promise<{ req: ProofRequest; vkey?: unknown; label: string }> {
  const file = (id: string) => $<HTMLInputElement>(id).files?.[0];
  const [zkey, wasm, input, vkey] = ["file-zkey", "file-wasm", "file-input", "file-vkey"].map(file);
  if (zkey || wasm || input) {
    if (!zkey || !wasm || !input) throw new Error("your own files: a .zkey, a .wasm and an input .json are all needed");
    return {
      req: { zkey, zkeyName: zkey.name, wasm: new Uint8Array(await wasm.arrayBuffer()), input: parseJson(input.name, await input.text()) as Record<string, unknown> },
      vkey: vkey ? parseJson(vkey.name, await vkey.text()) : undefined,
      label: zkey.name,
    };
  }
  const c = configs.find((x) => x.name === $<HTMLSelectElement>("config").value);
  if (!c) throw new Error("no configuration chosen (and no files given)");
  const [wasmBytes, inputJson, vkeyJson] = await Promise.all([
    fetchOk(c.wasm).then((r) => r.arrayBuffer()),
    fetchOk(c.input).then((r) => r.json()),
    fetchOk(c.vkey).then((r) => r.json()),
  ]);
  // the proving key is read as it downloads, by the prover's loadKey
  return { req: { zkey: c.zkey, zkeyName: `${c.name}.zkey`, wasm: new Uint8Array(wasmBytes), input: inputJson as Record<string, unknown> }, vkey: vkeyJson, label: c.name };
}

function parseJson(name: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${name}: not JSON (${(err as Error).message})`, { cause: err });
  }
}

/** The last proof, for whoever drives the page (the browser tests read it). */
export interface PageResult extends ProofResult {
  backend: BackendChoice;
  description: string;
  fallback?: string;
  verified?: boolean;
}
declare global {
  interface Window {
    zkrLast?: PageResult;
    zkrError?: string;
  }
}

async function prove(ev: SubmitEvent): Promise<void> {
  ev.preventDefault();
  const button = $<HTMLButtonElement>("prove");
  button.disabled = true;
  say("error", undefined);
  say("notice", undefined);
  show("result", false);
  window.zkrLast = undefined;
  window.zkrError = undefined;
  try {
    const { req, vkey, label } = await request();
    const choice = (document.querySelector<HTMLInputElement>('input[name="backend"]:checked')?.value ?? "webgpu") as BackendChoice;
    const defaultLimits = $<HTMLInputElement>("default-limits").checked;
    log(`proving ${label} on ${choice}`);
    let result: ProofResult;
    let used: OpenedBackend | undefined;
    if (choice === "snarkjs") {
      progress({ step: "snarkjs proves", done: 0, total: 0, unit: "" });
      result = await proveWithSnarkjs(req);
    } else {
      used = await backendFor(choice, defaultLimits);
      if (used.fallback) say("notice", used.fallback);
      try {
        result = await proveOnce(req, used.backend, { log, progress });
      } catch (err) {
        // A device lost or an adapter too small for this key: the CPU workers prove instead.
        if (!(err instanceof BackendError) || used.choice !== "webgpu") throw err;
        const why = `WebGPU failed on this proof (${err.message}): proving on the CPU workers instead`;
        log(why);
        used = { ...(await backendFor("cpu", false)), fallback: why };
        say("notice", why);
        result = await proveOnce(req, used.backend, { log, progress });
      }
    }
    const verified = vkey ? await snarkjs().groth16.verify(vkey, result.publicSignals, result.proof) : undefined;
    window.zkrLast = { ...result, backend: used?.choice ?? "snarkjs", description: used?.description ?? "snarkjs", fallback: used?.fallback, verified };
    render(window.zkrLast);
  } catch (err) {
    window.zkrError = (err as Error).message;
    say("error", (err as Error).message);
    log(`error: ${(err as Error).stack ?? (err as Error).message}`);
  } finally {
    show("progress-box", false);
    button.disabled = false;
  }
}

function render(r: PageResult): void {
  const verdict = $("verdict");
  verdict.innerHTML = "";
  const v = document.createElement("span");
  v.className = r.verified === false ? "bad" : "ok";
  v.textContent = r.verified === undefined ? "Proof made (no verification key to check it here)." : r.verified ? "Proof made and verified by snarkjs." : "The proof does NOT verify.";
  verdict.append(v, ` Backend: ${r.description}.`);
  const rows: [string, number][] = [
    ["proving key", r.timings.load],
    ["witness", r.timings.witness],
    ["A·w, B·w", r.timings.abc],
    ["NTT", r.timings.ntt],
    ["MSM", r.timings.msm],
    ["assembly", r.timings.assemble],
    ["proof (all)", r.timings.total],
  ];
  const body = $("phases").querySelector("tbody")!;
  body.innerHTML = "";
  for (const [step, s] of rows) {
    if (Number.isNaN(s)) continue;
    const tr = document.createElement("tr");
    const th = document.createElement("td");
    th.textContent = step;
    const td = document.createElement("td");
    td.textContent = s.toFixed(3);
    tr.append(th, td);
    body.append(tr);
  }
  const proofText = JSON.stringify(r.proof, null, 1);
  const publicText = JSON.stringify(r.publicSignals, null, 1);
  $("proof-json").textContent = proofText;
  $("public-json").textContent = publicText;
  $<HTMLAnchorElement>("download-proof").href = URL.createObjectURL(new Blob([proofText], { type: "application/json" }));
  $<HTMLAnchorElement>("download-public").href = URL.createObjectURL(new Blob([publicText], { type: "application/json" }));
  show("result", true);
}

function tabs(): void {
  const all = ["prove", "bench"];
  for (const t of all) {
    $(`tab-${t}`).addEventListener("click", () => {
      for (const u of all) {
        $(`tab-${u}`).setAttribute("aria-selected", String(u === t));
        show(`panel-${u}`, u === t);
      }
    });
  }
}

async function start(): Promise<void> {
  tabs();
  $<HTMLFormElement>("prove-form").addEventListener("submit", (ev) => void prove(ev));
  const cores = navigator.hardwareConcurrency || 1;
  $("device-cpu").textContent = `CPU: ${cores} logical cores${globalThis.crossOriginIsolated ? "" : " (this page is not cross-origin isolated: the WebAssembly workers cannot share memory)"}`;
  describeWebGpu().then(
    (g) => ($("device-gpu").textContent = g.available ? `WebGPU: ${g.text}` : `WebGPU: not available: ${g.text}. Proofs run on the CPU workers.`),
    (err: Error) => ($("device-gpu").textContent = `WebGPU: ${err.message}`),
  );
  try {
    configs = (await (await fetch("api/configs")).json()) as ServedConfig[];
  } catch {
    configs = [];
  }
  const select = $<HTMLSelectElement>("config");
  for (const c of configs) {
    const o = document.createElement("option");
    o.value = c.name;
    o.textContent = `${c.name} (${c.constraints.toLocaleString("en")} constraints, 2^${c.power})`;
    select.append(o);
  }
  $("config-hint").textContent = configs.length ? "Development keys: insecure, for trying and measuring only." : "zkr serves no configuration yet ('zkr setup --dev --txs 1 --depth 4' makes one); use your own files below.";
  setupBench({ configs: () => configs, selected: () => $<HTMLSelectElement>("config").value, backendFor, log });
  document.body.dataset.ready = "true";
}

void start();
