/**
 * The page's Benchmark tab: MSM (G1) and NTT at chosen sizes and full proofs of a configuration,
 * on WebGPU, on the WebAssembly workers and with snarkjs's engine, in this page and on the same
 * inputs (the MSM bases are the proving key's own H points, the scalars random). Medians of the
 * timed runs after one warm-up, a table of ratios to snarkjs, a plot, and the JSON to keep.
 */
import { FR_BYTES, G1_BYTES } from "../../prover/backend.js";
import { loadKey, proveOnce, proveWithSnarkjs, type BackendChoice, type OpenedBackend } from "./engine.js";
import type { ServedConfig } from "./main.js";

interface BenchDeps {
  configs(): ServedConfig[];
  selected(): string;
  backendFor(choice: BackendChoice, defaultLimits: boolean): Promise<OpenedBackend>;
  log(line: string): void;
}

/** One measured row: a kernel at a size, milliseconds per backend. */
interface Row {
  what: string;
  ms: Partial<Record<BackendChoice, number>>;
}

const NAMES: Record<BackendChoice, string> = { webgpu: "WebGPU", cpu: "wasm workers", snarkjs: "snarkjs" };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** n random scalars below r, 32 bytes little-endian each. */
function randomScalars(n: number): Uint8Array {
  const out = new Uint8Array(n * FR_BYTES);
  for (let i = 0; i < n; i++) {
    const s = out.subarray(i * FR_BYTES, (i + 1) * FR_BYTES);
    crypto.getRandomValues(s);
    s[31] &= 0x1f; // < 2^253 < r
  }
  return out;
}

async function timed(runs: number, f: () => Promise<unknown>): Promise<number> {
  await f(); // warm-up: pipelines, tables, workers
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await f();
    ms.push(performance.now() - t);
  }
  return median(ms);
}

export function setupBench(d: BenchDeps): void {
  const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
  const status = (s: string) => {
    $("bench-status").textContent = s;
    d.log(`bench: ${s}`);
  };
  $<HTMLFormElement>("bench-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const button = $<HTMLButtonElement>("bench-run");
    button.disabled = true;
    run()
      .catch((err: Error) => status(`failed: ${err.message}`))
      .finally(() => (button.disabled = false));
  });

  async function run(): Promise<void> {
    const c = d.configs().find((x) => x.name === d.selected());
    if (!c) throw new Error("choose a configuration on the Prove tab first (its proving key gives the bases)");
    const sizes = $<HTMLInputElement>("bench-sizes").value.split(",").map((s) => Number(s.trim()));
    if (sizes.some((s) => !Number.isInteger(s) || s < 1 || s > c.power)) throw new Error(`sizes: integers in 1..${c.power} expected (${c.name}'s H has 2^${c.power} points)`);
    const runs = Number($<HTMLInputElement>("bench-runs").value);
    if (!Number.isInteger(runs) || runs < 1 || runs > 20) throw new Error("runs: an integer in 1..20 expected");
    const chosen = [...document.querySelectorAll<HTMLInputElement>('input[name="bench-backend"]:checked')].map((i) => i.value as BackendChoice);
    status(`loading ${c.name}'s proving key`);
    const key = await loadKey(c.zkey, `${c.name}.zkey`);
    const rows: Row[] = [];
    const backends = new Map<BackendChoice, OpenedBackend>();
    for (const b of chosen) {
      const o = await d.backendFor(b, false);
      if (o.fallback) status(`${NAMES[b]}: ${o.fallback}; left out`);
      else backends.set(b, o);
    }
    for (const log of sizes) {
      const n = 1 << log;
      const scalars = randomScalars(n);
      const msm: Row = { what: `G1 MSM 2^${log}`, ms: {} };
      const ntt: Row = { what: `NTT 2^${log}`, ms: {} };
      for (const [b, o] of backends) {
        status(`${NAMES[b]}: G1 MSM and NTT of 2^${log}`);
        const bases = await o.backend.loadBases("G1", key.H.subarray(0, n * G1_BYTES));
        try {
          msm.ms[b] = await timed(runs, () => o.backend.msm(bases, scalars));
        } finally {
          await bases.release();
        }
        ntt.ms[b] = await timed(runs, () => o.backend.ntt(scalars));
        draw(rows.concat([msm, ntt]));
      }
      rows.push(msm, ntt);
    }
    if ($<HTMLInputElement>("bench-proofs").checked) {
      const wasm = new Uint8Array(await (await fetch(c.wasm)).arrayBuffer());
      const input = (await (await fetch(c.input)).json()) as Record<string, unknown>;
      const req = { zkey: c.zkey, zkeyName: `${c.name}.zkey`, wasm, input };
      const proof: Row = { what: `proof ${c.name}`, ms: {} };
      for (const [b, o] of backends) {
        status(`${NAMES[b]}: proofs of ${c.name}`);
        proof.ms[b] = await timed(runs, async () => (b === "snarkjs" ? proveWithSnarkjs(req) : proveOnce(req, o.backend, { key })));
      }
      rows.push(proof);
    }
    draw(rows);
    const result = {
      date: new Date().toISOString(),
      userAgent: navigator.userAgent,
      cores: navigator.hardwareConcurrency,
      backends: Object.fromEntries([...backends].map(([b, o]) => [b, o.description])),
      configuration: c.name,
      runs,
      rows,
    };
    const a = $<HTMLAnchorElement>("bench-download");
    a.href = URL.createObjectURL(new Blob([JSON.stringify(result, null, 2)], { type: "application/json" }));
    a.hidden = false;
    (window as { zkrBench?: unknown }).zkrBench = result;
    status("done");
  }

  function draw(rows: Row[]): void {
    const cols: BackendChoice[] = ["webgpu", "cpu", "snarkjs"];
    const table = $("bench-table");
    table.querySelector("thead")!.innerHTML = `<tr><th scope="col">Kernel</th>${cols.map((c) => `<th scope="col">${NAMES[c]}</th>`).join("")}</tr>`;
    const body = table.querySelector("tbody")!;
    body.innerHTML = "";
    for (const r of rows) {
      const tr = document.createElement("tr");
      const cells = [r.what, ...cols.map((c) => {
        const ms = r.ms[c];
        if (ms === undefined) return "–";
        const base = r.ms.snarkjs;
        return c !== "snarkjs" && base ? `${ms.toFixed(1)} (${(ms / base).toFixed(2)}×)` : ms.toFixed(1);
      })];
      for (const text of cells) {
        const td = document.createElement("td");
        td.textContent = text;
        tr.append(td);
      }
      body.append(tr);
    }
    table.hidden = false;
    plot(rows);
  }

  /** Horizontal bars of each backend's time relative to snarkjs, per kernel and size (SVG). */
  function plot(rows: Row[]): void {
    const withBase = rows.filter((r) => r.ms.snarkjs);
    const series: BackendChoice[] = ["webgpu", "cpu"];
    const colors: Record<string, string> = { webgpu: "#0b5cad", cpu: "#b7791f" };
    const ratios = withBase.flatMap((r) => series.map((s) => (r.ms[s] ?? 0) / r.ms.snarkjs!));
    const max = Math.max(1.2, ...ratios);
    const barH = 12, gap = 10, left = 150, width = 560;
    const height = withBase.length * (series.length * barH + gap) + 40;
    const x = (v: number) => left + (v / max) * (width - left - 40);
    let y = 10;
    const parts: string[] = [];
    for (const r of withBase) {
      parts.push(`<text x="${left - 8}" y="${y + barH + 2}" text-anchor="end">${r.what}</text>`);
      for (const s of series) {
        const v = r.ms[s];
        if (v !== undefined) {
          const ratio = v / r.ms.snarkjs!;
          parts.push(`<rect x="${left}" y="${y}" width="${Math.max(1, x(ratio) - left)}" height="${barH - 2}" fill="${colors[s]}"><title>${NAMES[s]}: ${ratio.toFixed(2)}× snarkjs</title></rect>`);
          parts.push(`<text x="${x(ratio) + 4}" y="${y + barH - 3}">${ratio.toFixed(2)}×</text>`);
        }
        y += barH;
      }
      y += gap;
    }
    parts.push(`<line x1="${x(1)}" x2="${x(1)}" y1="4" y2="${y}" stroke="#a4161a" stroke-dasharray="4 3"/><text x="${x(1) + 3}" y="${y + 12}">snarkjs = 1×</text>`);
    const legend = series.map((s, i) => `<rect x="${left + i * 150}" y="${y + 18}" width="12" height="12" fill="${colors[s]}"/><text x="${left + i * 150 + 16}" y="${y + 28}">${NAMES[s]}</text>`).join("");
    $("bench-plot").innerHTML = `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Time relative to snarkjs" viewBox="0 0 ${width} ${height}" width="100%">${parts.join("")}${legend}</svg>`;
    $("bench-plot-box").hidden = withBase.length === 0;
  }
}
