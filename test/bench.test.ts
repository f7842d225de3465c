/**
 * The benchmark harness's pure parts on tiny synthetic runs: statistics, the run record's schema,
 * the Markdown table and the SVG plot. Nothing here times anything.
 */
import { summarize, markdownTable, fmt } from "../bench/lib.js";
import { linesSvg, logLogSvg, xmlEscape } from "../bench/plot.js";
import { SCHEMA, checkRun, renderMarkdown, renderPlot, runStem, type BenchRun, type KernelRow } from "../bench/report.js";

const stats = (...runs: number[]) => summarize(runs);

function kernel(k: string, logSize: number, backend: string, ms: number, base: number): KernelRow {
  return { kernel: k, logSize, backend, ms: stats(ms * 0.9, ms, ms * 1.2), ratio: ms / base };
}

/** A run as the harness writes it: three backends, two kernels, two sizes, one configuration. */
function syntheticRun(): BenchRun {
  const kernels: KernelRow[] = [];
  for (const logSize of [12, 14]) {
    for (const [k, base] of [["G1 MSM", 40 * 4 ** (logSize - 12)], ["NTT", 2 * 4 ** (logSize - 12)]] as const) {
      kernels.push(kernel(k, logSize, "ffjavascript", base, base));
      kernels.push(kernel(k, logSize, "cpu", base * 0.4, base));
      kernels.push(kernel(k, logSize, "webgpu", base * 2.5, base));
    }
  }
  return {
    schema: SCHEMA,
    date: "2026-11-21T12:00:00.000Z",
    quick: true,
    wallSeconds: 123.4,
    machine: { cpu: "AMD EPYC", cores: 2, memoryGiB: 24, freeMemoryGiB: 16, node: "v20.20.2", os: "linux 6.1" },
    loadavg: { start: [3.1, 2.9, 2.7], end: [2.5, 2.8, 2.7] },
    versions: { snarkjs: "0.7.6", ffjavascript: "0.3.1", webgpu: "0.6.2" },
    adapter: { name: "llvmpipe <LLVM 15>", backend: "opengles", software: true, compileMs: 400 },
    options: { sizes: [12, 14], kernels: ["g1", "ntt"], backends: ["webgpu", "cpu"], configs: ["rollup_4x8"], runs: 3, proofRuns: 2 },
    kernels,
    proofs: [
      { config: "rollup_4x8", prover: "snarkjs", mode: "warm", ms: stats(10_000, 10_500, 11_000), ratio: 1 },
      { config: "rollup_4x8", prover: "cpu", mode: "cold", ms: stats(4_700), ratio: 0.45 },
      { config: "rollup_4x8", prover: "cpu", mode: "warm", ms: stats(3_800, 3_900), ratio: 0.37, phases: { abc: 0.4, ntt: 0.9, msm: 2.4, assemble: 0.1, total: 3.8 } },
    ],
    circuit: [
      {
        config: "rollup_4x8", txs: 4, depth: 8, constraints: 170_639, power: 18, constraintsPerTx: 42_660,
        proofMsPerTx: { snarkjs: 2_625, cpu: 962.5 }, calldataBytesPerTx: 12, calldataBytesPerSlotOnChain: 129, gasPerTx: 61_756, gasSource: "bench/results/gas-2026-11-21.json",
      },
    ],
    skipped: [{ what: "rapidsnark", why: "no `rapidsnark` or rapidsnark `prover` binary on PATH" }],
    notes: ["webgpu: llvmpipe is a software adapter"],
  };
}

/** Checks that a string is well-formed XML as far as tags go: every element closed, in order. */
function assertWellFormed(xml: string): void {
  const stack: string[] = [];
  for (const m of xml.matchAll(/<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g)) {
    const [, close, name, , self] = m;
    if (self) continue;
    if (close) expect(stack.pop()).toBe(name);
    else stack.push(name);
  }
  expect(stack).toEqual([]);
  // Nothing that looks like a tag is left unmatched by the pattern above (a stray '<' or '&').
  const stripped = xml.replace(/<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g, "");
  expect(stripped).not.toMatch(/</);
  expect(stripped.replace(/&(amp|lt|gt|quot|apos);/g, "")).not.toMatch(/&/);
}

describe("bench statistics", () => {
  test("median, extremes and quartiles of runs, in any order", () => {
    const s = summarize([5, 1, 4, 2, 3]);
    expect(s).toEqual({ median: 3, min: 1, max: 5, q1: 2, q3: 4, runs: [5, 1, 4, 2, 3] });
    expect(summarize([2, 4]).median).toBe(3);
    expect(summarize([7])).toMatchObject({ median: 7, min: 7, max: 7, q1: 7, q3: 7 });
    expect(() => summarize([])).toThrow(/summarize: at least one run/);
  });

  test("numbers print with a few significant digits and no exponent", () => {
    expect(fmt(10_450.7, 3)).toBe("10,451");
    expect(fmt(3.8421, 3)).toBe("3.84");
    expect(fmt(0.0123, 2)).toBe("0.012");
    expect(fmt(NaN)).toBe("—");
  });
});

describe("bench run record", () => {
  test("a well-formed run has no problems, and its machine fields are there", () => {
    const run = syntheticRun();
    expect(checkRun(run)).toEqual([]);
    const json = JSON.parse(JSON.stringify(run)) as BenchRun;
    expect(checkRun(json)).toEqual([]);
    expect(Object.keys(json.machine).sort()).toEqual(["cores", "cpu", "freeMemoryGiB", "memoryGiB", "node", "os"]);
    expect(runStem(run)).toBe("bench-2026-11-21T120000-quick");
  });

  test("missing machine fields, load averages, versions and bad statistics are named", () => {
    const run = syntheticRun() as unknown as Record<string, any>;  
    delete run.machine.cpu;
    run.machine.cores = 0;
    run.loadavg.end = [1];
    run.versions = { snarkjs: "0.7.6" };
    run.kernels[0].ms.median = 1e9;
    run.schema = "other";
    const problems = checkRun(run);
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^schema: zkr-bench\/1 expected/),
      expect.stringMatching(/^machine\.cpu: a string expected/),
      expect.stringMatching(/^machine\.cores: a positive number expected, got 0/),
      expect.stringMatching(/^loadavg\.end: three numbers expected/),
      expect.stringMatching(/^versions\.ffjavascript: a version string expected/),
      expect.stringMatching(/^kernels\[0\] \(G1 MSM 2\^12 ffjavascript\)\.ms: min ≤ median ≤ max/),
    ]));
    expect(problems).toHaveLength(6);
    expect(checkRun(null)).toEqual(["run: an object expected, got object"]);
  });
});

describe("bench Markdown", () => {
  test("a generic table: header, alignment row, one line per row", () => {
    expect(markdownTable(["a", "b"], [["1", "2"], ["3", "4"]], ["l", "r"])).toBe("| a | b |\n| --- | ---: |\n| 1 | 2 |\n| 3 | 4 |");
  });

  test("the run's tables: kernels pivoted by backend with ratios, proofs, per-transaction side, notes", () => {
    const md = renderMarkdown(syntheticRun());
    const lines = md.split("\n");
    expect(md).toContain("- machine: AMD EPYC, 2 cores, 24 GiB, linux 6.1, Node v20.20.2");
    expect(md).toContain("- load average (1/5/15 min): 3.10 / 2.90 / 2.70 at start, 2.50 / 2.80 / 2.70 at end (2 cores)");
    expect(md).toContain("webgpu adapter: llvmpipe <LLVM 15> (Dawn opengles, software)");
    // kernels: baseline first, then cpu and webgpu each with its ratio
    expect(lines).toContain("| kernel | size | ffjavascript ms | cpu ms | × | webgpu ms | × |");
    const kernelRows = lines.filter((l) => /^\| (G1 MSM|NTT) \| 2\^/.test(l));
    expect(kernelRows).toHaveLength(4);
    expect(kernelRows[0]).toBe("| G1 MSM | 2^12 | 40.0 [36–48] | 16.0 [14–19] | 0.40 | 100 [90–120] | 2.5 |");
    // proofs in seconds, snarkjs first, warm before cold
    const proofRows = lines.filter((l) => l.startsWith("| rollup_4x8 | "));
    expect(proofRows.slice(0, 3)).toEqual([
      "| rollup_4x8 | snarkjs | warm | 10.5 [10–11] | 3 | 1.0 |",
      "| rollup_4x8 | cpu | warm | 3.85 [3.8–3.9] | 2 | 0.37 |",
      "| rollup_4x8 | cpu | cold | 4.70 [4.7–4.7] | 1 | 0.45 |",
    ]);
    expect(proofRows[3]).toBe("| rollup_4x8 | 170,639 | 2^18 | 42,660 | 2,625 | 963 | 12 | 129 | 61,756 |");
    expect(md).toContain("- rollup_4x8 gas: bench/results/gas-2026-11-21.json");
    expect(md).toContain("- skipped rapidsnark: no `rapidsnark` or rapidsnark `prover` binary on PATH");
  });
});

describe("bench SVG plot", () => {
  test("a panel per kernel with one series per backend, log-log axes, labels and a legend", () => {
    const run = syntheticRun();
    const svg = renderPlot(run);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    assertWellFormed(svg);
    const series = [...svg.matchAll(/<g class="series" data-backend="([^"]+)" data-kernel="([^"]+)">\n<polyline [^>]*points="([^"]*)"/g)];
    expect(series.map((s) => `${s[1]}/${s[2]}`).sort()).toEqual(["cpu/G1 MSM", "cpu/NTT", "ffjavascript/G1 MSM", "ffjavascript/NTT", "webgpu/G1 MSM", "webgpu/NTT"]);
    for (const s of series) expect(s[3].split(" ")).toHaveLength(2); // one point per size
    expect([...svg.matchAll(/<g class="panel" data-title="([^"]+)">/g)].map((m) => m[1])).toEqual(["G1 MSM", "NTT"]);
    // one legend entry per backend, in its colour
    const legend = svg.slice(svg.indexOf('<g class="legend">'));
    expect([...legend.matchAll(/stroke="(#[0-9a-f]+)"[^>]*\/>\n<text [^>]*>([^<]+)<\/text>/g)].map((m) => `${m[2]} ${m[1]}`)).toEqual(["ffjavascript #555555", "cpu #1f77b4", "webgpu (software adapter) #d62728"]);
    // axes: power-of-two x ticks, decade y ticks in time units, labels on each panel
    expect(svg).toContain(">2^12</text>");
    expect(svg).toContain(">2^14</text>");
    expect(svg).toMatch(/>1 ms<\/text>/);
    expect(svg).toMatch(/>1 s<\/text>/);
    expect(svg.match(/class="x-label"/g)).toHaveLength(2);
    expect(svg.match(/class="y-label"[^>]*>time<\/text>/g)).toHaveLength(2);
    expect(svg).toContain("llvmpipe &lt;LLVM 15&gt;"); // escaped adapter name in the subtitle
  });

  test("points lie where log scales put them: faster backends lower, larger sizes further right", () => {
    const svg = logLogSvg({
      title: "t", xLabel: "x", yLabel: "y",
      panels: [{
        title: "p",
        series: [
          { label: "slow", color: "#000", points: [{ x: 4, y: 10 }, { x: 16, y: 1000 }], attrs: { backend: "slow" } },
          { label: "fast", color: "#f00", points: [{ x: 4, y: 1 }, { x: 16, y: 100 }, { x: 8, y: 0 }], attrs: { backend: "fast" } },
        ],
      }],
    });
    assertWellFormed(svg);
    const pts = (b: string) => new RegExp(`data-backend="${b}">\\n<polyline [^>]*points="([^"]*)"`).exec(svg)![1].split(" ").map((p) => p.split(",").map(Number));
    const slow = pts("slow");
    const fast = pts("fast");
    expect(fast).toHaveLength(2); // y = 0 has no logarithm: left out
    expect(slow[1][0]).toBeGreaterThan(slow[0][0]);
    expect(fast[0][1]).toBeGreaterThan(slow[0][1]); // SVG y grows downwards
    // equal log distances: 4 → 16 is two doublings, 10 → 1000 two decades: the same slope as 1 → 100
    expect(slow[1][1] - slow[0][1]).toBeCloseTo(fast[1][1] - fast[0][1], 5);
  });

  test("a linear step chart (throughput): axes from 0 with round ticks, each count held until the next point, a legend per series", () => {
    const svg = linesSvg({
      title: "verified <over> time", xLabel: "s", yLabel: "n",
      series: [
        { label: "1 prover", color: "#1f77b4", points: [{ x: 0, y: 0 }, { x: 10, y: 4 }, { x: 20, y: 8 }], attrs: { provers: "1" } },
        { label: "2 provers", color: "#d62728", points: [{ x: 0, y: 0 }, { x: 30, y: 8 }], attrs: { provers: "2" } },
      ],
    });
    assertWellFormed(svg);
    expect(svg).toContain("verified &lt;over&gt; time");
    const pts = (k: string) => new RegExp(`data-provers="${k}"><polyline [^>]*points="([^"]*)"`).exec(svg)![1].split(" ").map((p) => p.split(",").map(Number));
    const one = pts("1");
    // a step per point after the first: horizontal at the old count, then up to the new one
    expect(one).toHaveLength(5);
    expect(one[1][1]).toBe(one[0][1]);
    expect(one[2][0]).toBe(one[1][0]);
    expect(one[2][1]).toBeLessThan(one[1][1]); // SVG y grows downwards
    // x ticks 0…30 in round steps, y ticks 0…8
    expect(svg).toMatch(/>0<\/text>/);
    expect(svg).toMatch(/>30<\/text>/);
    expect(svg).toMatch(/>8<\/text>/);
    const legend = svg.slice(svg.indexOf('<g class="legend">'));
    expect([...legend.matchAll(/<text [^>]*>([^<]+)<\/text>/g)].map((m) => m[1])).toEqual(["1 prover", "2 provers"]);
    // the later series ends further right at the same count
    expect(pts("2").at(-1)![0]).toBeGreaterThan(one.at(-1)![0]);
    expect(pts("2").at(-1)![1]).toBeCloseTo(one.at(-1)![1], 5);
  });

  test("an empty run still renders a valid frame that says so", () => {
    const run = { ...syntheticRun(), kernels: [] };
    const svg = renderPlot(run);
    assertWellFormed(svg);
    expect(svg).not.toContain('class="panel"');
    expect(svg).toContain(">no data</text>");
    expect(svg).not.toContain('class="series"');
    expect(xmlEscape(`a<b & "c"`)).toBe("a&lt;b &amp; &quot;c&quot;");
  });
});
