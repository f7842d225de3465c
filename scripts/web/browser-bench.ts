/**
 * Full proofs in a real browser, through the prover page (`zkr web`): the same rollup
 * configuration proved in one chromium page on WebGPU, on the WebAssembly workers and with
 * snarkjs's browser build, each proof verified by snarkjs in Node. Writes
 * bench/results/browser-<date>.{json,md} with the adapter the page used, the browser and the machine.
 *
 *   npm run bench:browser -- [--txs 4 --depth 8] [--backends webgpu,cpu,snarkjs] [--runs 1]
 *
 * (Here rather than in bench/ because it drives the page's server: scripts may use bench's helpers,
 * not the other way round.)
 *
 * Runs in Debian's chromium (scripts/system-deps.sh): without a GPU, WebGPU is SwiftShader's
 * software Vulkan, and its first proof includes compiling every kernel (minutes); with one,
 * ZKR_CHROMIUM_ARGS="--use-webgpu-adapter=default" (plus any flags the driver needs) gives the page
 * the GPU. Later runs of a backend reuse the page's opened backend: kernels compiled, as in a
 * page that proves more than once.
 */
import path from "node:path";
import fs from "node:fs";
import { Command } from "commander";
import { devKeys } from "../../circuits/devkeys.js";
import { circuitName } from "../../circuits/config.js";
import { bundleWeb } from "./bundle.js";
import { findConfigs, startWebServer } from "./server.js";
import { launchChromium, CHROMIUM } from "./chromium.js";
import { ROOT, RESULTS_DIR, fmt, resultStamp, loadavg, machine, markdownTable, median, writeJson } from "../../bench/lib.js";

const BACKENDS = ["webgpu", "cpu", "snarkjs"] as const;
type Backend = (typeof BACKENDS)[number];

/** What the page leaves in window.zkrLast after a proof. */
interface PageResult {
  proof: unknown;
  publicSignals: string[];
  backend: string;
  description: string;
  fallback?: string;
  verified?: boolean;
  timings: Record<"load" | "witness" | "abc" | "ntt" | "msm" | "assemble" | "total", number | null>;
}

interface Run {
  /** Seconds, as the page measured them (null: a step snarkjs does not report). */
  timings: PageResult["timings"];
  /** Wall-clock seconds from the click to the verdict, seen from Node. */
  wall: number;
  verifiedInNode: boolean;
}

declare global {
  interface Window {
    zkrLast?: unknown;
    zkrError?: string;
  }
}

const program = new Command()
  .option("--txs <n>", "slots of the rollup configuration", "4")
  .option("--depth <n>", "tree depth", "8")
  .option("--backends <list>", "the page's backends, in this order", BACKENDS.join(","))
  .option("--runs <n>", "proofs per backend (the first includes opening the backend)", "1")
  .option("--out <dir>", "where to write the results", RESULTS_DIR)
  .parse();
const o = program.opts<{ txs: string; depth: string; backends: string; runs: string; out: string }>();
const config = { txs: Number(o.txs), depth: Number(o.depth) };
const backends = o.backends.split(",").map((b) => b.trim()) as Backend[];
for (const b of backends) if (!BACKENDS.includes(b)) throw new Error(`--backends: ${BACKENDS.join(", ")} expected, got ${b}`);
const runs = Number(o.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: a positive integer expected, got ${o.runs}`);

const say = (l: string) => console.error(`browser-bench  ${l}`);
const name = circuitName(config);
const keys = await devKeys(config, { log: say });
const vkey = JSON.parse(fs.readFileSync(keys.vkey, "utf8")) as unknown;
const root = await bundleWeb({ out: path.join(ROOT, "build", "web-bench"), log: say });
const server = await startWebServer({ port: 0, root, configs: () => findConfigs().filter((c) => c.name === name), log: () => {} });
const browser = await launchChromium({ webgpu: true });
const loadBefore = loadavg();
const t0 = performance.now();
const snarkjs = await import("snarkjs");
const results: { backend: Backend; description: string; fallback?: string; runs: Run[] }[] = [];
let userAgent: string | undefined;
try {
  const page = await browser.newPage();
  page.on("pageerror", (e) => say(`page error: ${e.message}`));
  await page.goto(`${server.url}/prove/`);
  await page.waitForSelector("body[data-ready=true]");
  userAgent = await page.evaluate(() => navigator.userAgent);
  await page.selectOption("#config", name);
  for (const b of backends) {
    const row: (typeof results)[number] = { backend: b, description: "", runs: [] };
    for (let i = 0; i < runs; i++) {
      say(`${name} on ${b}, proof ${i + 1} of ${runs}`);
      await page.evaluate(() => {
        window.zkrLast = undefined;
        window.zkrError = undefined;
      });
      await page.check(`input[name=backend][value=${b}]`);
      const t = performance.now();
      await page.click("#prove");
      await page.waitForFunction(() => window.zkrLast || window.zkrError, null, { timeout: 3_600_000, polling: 500 });
      const wall = (performance.now() - t) / 1000;
      const { result, error } = await page.evaluate(() => ({ result: window.zkrLast as unknown as PageResult | undefined, error: window.zkrError }));
      if (!result) throw new Error(`${b}: the page failed: ${error}`);
      const verifiedInNode = await snarkjs.groth16.verify(vkey, result.publicSignals, result.proof);
      if (!verifiedInNode || result.verified === false) throw new Error(`${b}: the page's proof does not verify`);
      row.description = result.description;
      row.fallback = result.fallback;
      row.runs.push({ timings: Object.fromEntries(Object.entries(result.timings).map(([k, v]) => [k, Number.isNaN(v) ? null : v])) as Run["timings"], wall, verifiedInNode });
      say(`  ${fmt(wall)} s (${result.description}${result.fallback ? `; ${result.fallback}` : ""})`);
    }
    results.push(row);
  }
} finally {
  await browser.close();
  await server.close();
}

const total = (r: (typeof results)[number]) => median(r.runs.map((x) => x.timings.total ?? NaN));
const base = results.find((r) => r.backend === "snarkjs");
const record = {
  schema: "zkr-browser-bench/1",
  date: new Date().toISOString(),
  configuration: { name, ...config, power: keys.power, zkeyBytes: fs.statSync(keys.zkey).size },
  browser: { executable: CHROMIUM, version: browser.version(), userAgent, args: process.env.ZKR_CHROMIUM_ARGS ?? "" },
  machine: machine(),
  loadavg: { before: loadBefore, after: loadavg() },
  wallSeconds: Math.round((performance.now() - t0) / 100) / 10,
  unit: "seconds",
  results: results.map((r) => ({ ...r, medianProof: total(r), ratioToSnarkjs: base ? total(r) / total(base) : null })),
  notes: [
    "timings are the page's own: load = reading the proving key (and, for zkr's backends, loading its points onto the backend); total = the proof after the witness",
    "the first proof on webgpu includes compiling the kernels (the page opens the backend on the first proof)",
  ],
};
const file = path.join(o.out, `browser-${resultStamp(record.date)}.json`);
writeJson(file, record);
const md = [
  `# Proofs in the browser: ${name} (2^${keys.power})`,
  "",
  `- browser: ${record.browser.version} (${CHROMIUM}${record.browser.args ? `, ${record.browser.args}` : ""})`,
  `- machine: ${record.machine.cpu}, ${record.machine.cores} cores, ${record.machine.memoryGiB} GiB; load ${loadBefore.join(" ")} → ${record.loadavg.after.join(" ")}`,
  `- every proof verified by snarkjs in Node; ${runs} run(s) per backend, the median shown`,
  "",
  markdownTable(
    ["backend", "what ran", "key", "witness", "proof", "× snarkjs", "click → verdict"],
    record.results.map((r) => {
      const last = r.runs.at(-1)!;
      return [r.backend, r.description + (r.fallback ? ` (${r.fallback})` : ""), fmt(last.timings.load ?? NaN), fmt(last.timings.witness ?? NaN), fmt(r.medianProof), r.ratioToSnarkjs === null ? "—" : fmt(r.ratioToSnarkjs), fmt(median(r.runs.map((x) => x.wall)))];
    }),
    ["l", "l", "r", "r", "r", "r", "r"],
  ),
  "",
].join("\n");
fs.writeFileSync(file.replace(/\.json$/, ".md"), md);
console.log(md);
console.log(`written: ${path.relative(process.cwd(), file)} and .md (${record.wallSeconds} s)`);
process.exit(0);
