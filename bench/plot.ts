/**
 * Log-log line charts as one self-contained SVG string: a grid of panels (small multiples) that
 * share the x range, each with its own y range, decade (y) and power-of-two (x) ticks, grid and
 * axis labels; a title and one legend for all panels (one entry per distinct label). No
 * dependencies; the benchmark harness plots time against size with it (bench/report.ts), a panel
 * per kernel and a line per backend.
 *
 * Each series is one `<g class="series" data-…>` element holding a polyline and its markers, so
 * that tests and readers can find a series by its attributes.
 */

/** One line of a panel. `attrs` become `data-<key>` attributes of its group. */
export interface Series {
  label: string;
  color: string;
  /** SVG stroke-dasharray, or undefined for a solid line. */
  dash?: string;
  points: { x: number; y: number }[];
  attrs?: Record<string, string>;
}

export interface Panel {
  title: string;
  series: Series[];
}

export interface LogLogChart {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  panels: Panel[];
  /** Tick label of an x value (default: the value); x ticks are at powers of two. */
  xTick?: (x: number) => string;
  /** Tick label of a y value (default: the value); y ticks are at powers of ten. */
  yTick?: (y: number) => string;
  /** Panels per row (default: up to 3). */
  columns?: number;
  panelWidth?: number;
  panelHeight?: number;
}

/** Escapes text for XML content and attribute values. */
export function xmlEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

/** The opening of a chart: the svg element, its title, a white background, the heading and subtitle at `left`. */
function svgHead(W: number, H: number, left: number, c: { title: string; subtitle?: string }): string[] {
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="11">`,
    `<title>${xmlEscape(c.title)}</title>`,
    `<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${left}" y="22" font-size="15" font-weight="bold">${xmlEscape(c.title)}</text>`,
  ];
  if (c.subtitle) out.push(`<text x="${left}" y="40" fill="#555555">${xmlEscape(c.subtitle)}</text>`);
  return out;
}

const r1 = (v: number): string => (Math.round(v * 10) / 10).toString();
const valid = (p: { x: number; y: number }) => p.x > 0 && p.y > 0 && Number.isFinite(p.x) && Number.isFinite(p.y);

/** Whole powers (of 2 or 10) around values' logarithms; a single value gets one step either side. */
function range(logs: number[], pad: number): [number, number] {
  if (!logs.length) return [0, 1];
  const lo = Math.floor(Math.min(...logs));
  const hi = Math.ceil(Math.max(...logs));
  return hi === lo ? [lo - pad, hi + 1] : [lo, hi];
}

/**
 * Renders the chart. Points with x ≤ 0 or y ≤ 0 (no logarithm) are left out; a panel with no
 * points renders its frame and says so.
 */
export function logLogSvg(c: LogLogChart): string {
  const cols = Math.max(1, Math.min(c.columns ?? 3, c.panels.length || 1));
  const rows = Math.max(1, Math.ceil(c.panels.length / cols));
  const PW = c.panelWidth ?? 330;
  const PH = c.panelHeight ?? 250;
  const pm = { left: 64, right: 14, top: 26, bottom: 44 };
  const legend = [...new Map(c.panels.flatMap((p) => p.series).map((s) => [s.label, s])).values()];
  // About 6.5 px per character at 11 px Helvetica, plus the line sample.
  const legendW = Math.max(120, 48 + Math.ceil(6.5 * Math.max(0, ...legend.map((l) => l.label.length))));
  const top = c.subtitle ? 58 : 40;
  const W = cols * PW + legendW + 10;
  const H = Math.max(top + rows * PH + 26, top + legend.length * 20 + 20);
  const xs = c.panels.flatMap((p) => p.series.flatMap((s) => s.points.filter(valid).map((q) => Math.log2(q.x))));
  const [x0, x1] = range(xs, 1);
  const xStep = x1 - x0 > 8 ? 2 : 1;
  const xTick = c.xTick ?? ((x: number) => String(x));
  const yTick = c.yTick ?? ((y: number) => String(y));

  const out = svgHead(W, H, pm.left, c);

  c.panels.forEach((panel, i) => {
    const ox = (i % cols) * PW;
    const oy = top + Math.floor(i / cols) * PH;
    const left = ox + pm.left;
    const ptop = oy + pm.top;
    const pw = PW - pm.left - pm.right;
    const ph = PH - pm.top - pm.bottom;
    const ys = panel.series.flatMap((s) => s.points.filter(valid).map((q) => Math.log10(q.y)));
    const [y0, y1] = range(ys, 0);
    const X = (x: number) => left + ((Math.log2(x) - x0) / (x1 - x0)) * pw;
    const Y = (y: number) => ptop + ph - ((Math.log10(y) - y0) / (y1 - y0)) * ph;
    out.push(`<g class="panel" data-title="${xmlEscape(panel.title)}">`);
    out.push(`<text x="${left}" y="${ptop - 8}" font-weight="bold">${xmlEscape(panel.title)}</text>`);
    out.push(`<g class="grid" stroke="#e3e3e3" stroke-width="1">`);
    for (let e = x0; e <= x1; e += xStep) out.push(`<line x1="${r1(X(2 ** e))}" y1="${ptop}" x2="${r1(X(2 ** e))}" y2="${ptop + ph}"/>`);
    for (let e = y0; e <= y1; e++) out.push(`<line x1="${left}" y1="${r1(Y(10 ** e))}" x2="${left + pw}" y2="${r1(Y(10 ** e))}"/>`);
    out.push(`</g>`);
    out.push(`<g class="ticks" fill="#333333">`);
    for (let e = x0; e <= x1; e += xStep) out.push(`<text x="${r1(X(2 ** e))}" y="${ptop + ph + 14}" text-anchor="middle">${xmlEscape(xTick(2 ** e))}</text>`);
    for (let e = y0; e <= y1; e++) out.push(`<text x="${left - 6}" y="${r1(Y(10 ** e) + 4)}" text-anchor="end">${xmlEscape(yTick(10 ** e))}</text>`);
    out.push(`</g>`);
    out.push(`<rect x="${left}" y="${ptop}" width="${pw}" height="${ph}" fill="none" stroke="#333333"/>`);
    out.push(`<text class="x-label" x="${left + pw / 2}" y="${ptop + ph + 32}" text-anchor="middle">${xmlEscape(c.xLabel)}</text>`);
    out.push(`<text class="y-label" transform="translate(${ox + 14} ${ptop + ph / 2}) rotate(-90)" text-anchor="middle">${xmlEscape(c.yLabel)}</text>`);
    if (!ys.length) out.push(`<text x="${left + pw / 2}" y="${ptop + ph / 2}" text-anchor="middle" fill="#999999">no data</text>`);
    for (const s of panel.series) {
      const p = s.points.filter(valid).sort((a, b) => a.x - b.x);
      const data = Object.entries(s.attrs ?? {}).map(([k, v]) => ` data-${k}="${xmlEscape(v)}"`).join("");
      out.push(`<g class="series"${data}>`);
      out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ""} points="${p.map((q) => `${r1(X(q.x))},${r1(Y(q.y))}`).join(" ")}"/>`);
      for (const q of p) out.push(`<circle cx="${r1(X(q.x))}" cy="${r1(Y(q.y))}" r="3" fill="${s.color}"/>`);
      out.push(`</g>`);
    }
    out.push(`</g>`);
  });

  if (!c.panels.length) out.push(`<text x="${pm.left}" y="${top + 30}" fill="#999999">no data</text>`);
  out.push(`<g class="legend">`);
  const lx = cols * PW + 10;
  legend.forEach((s, i) => {
    const ly = top + pm.top + 4 + i * 20;
    out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 28}" y2="${ly}" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ""}/>`);
    out.push(`<text x="${lx + 36}" y="${ly + 4}">${xmlEscape(s.label)}</text>`);
  });
  out.push(`</g>`);
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}

/** A linear line chart: one panel, steps drawn as they are (cumulative counts over time). */
export interface LinesChart {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  width?: number;
  height?: number;
}

/** Round tick steps (1, 2 or 5 × 10^k) giving about `n` ticks up to `max`. */
function linearTicks(max: number, n = 6): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / n;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) out.push(Math.round(v / step) * step);
  if (out[out.length - 1] < max) out.push(out[out.length - 1] + step);
  return out;
}

/** Renders a {@link LinesChart}: axes from 0, a step line per series, the legend on the right. */
export function linesSvg(c: LinesChart): string {
  const PW = c.width ?? 640;
  const PH = c.height ?? 360;
  const pm = { left: 64, right: 14, top: 26, bottom: 44 };
  const legendW = Math.max(120, 48 + Math.ceil(6.5 * Math.max(0, ...c.series.map((s) => s.label.length))));
  const top = c.subtitle ? 58 : 40;
  const W = PW + legendW + 10;
  const H = top + PH + 16;
  const pts = c.series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const xt = linearTicks(Math.max(0, ...pts.map((p) => p.x)));
  const yt = linearTicks(Math.max(0, ...pts.map((p) => p.y)));
  const left = pm.left;
  const ptop = top + pm.top;
  const pw = PW - pm.left - pm.right;
  const ph = PH - pm.top - pm.bottom;
  const X = (x: number) => left + (x / xt[xt.length - 1]) * pw;
  const Y = (y: number) => ptop + ph - (y / yt[yt.length - 1]) * ph;
  const out = svgHead(W, H, pm.left, c);
  out.push(`<g class="grid" stroke="#e3e3e3" stroke-width="1">`);
  for (const x of xt) out.push(`<line x1="${r1(X(x))}" y1="${ptop}" x2="${r1(X(x))}" y2="${ptop + ph}"/>`);
  for (const y of yt) out.push(`<line x1="${left}" y1="${r1(Y(y))}" x2="${left + pw}" y2="${r1(Y(y))}"/>`);
  out.push(`</g>`);
  out.push(`<g class="ticks" fill="#333333">`);
  for (const x of xt) out.push(`<text x="${r1(X(x))}" y="${ptop + ph + 14}" text-anchor="middle">${x}</text>`);
  for (const y of yt) out.push(`<text x="${left - 6}" y="${r1(Y(y) + 4)}" text-anchor="end">${y}</text>`);
  out.push(`</g>`);
  out.push(`<rect x="${left}" y="${ptop}" width="${pw}" height="${ph}" fill="none" stroke="#333333"/>`);
  out.push(`<text class="x-label" x="${left + pw / 2}" y="${ptop + ph + 32}" text-anchor="middle">${xmlEscape(c.xLabel)}</text>`);
  out.push(`<text class="y-label" transform="translate(14 ${ptop + ph / 2}) rotate(-90)" text-anchor="middle">${xmlEscape(c.yLabel)}</text>`);
  for (const s of c.series) {
    const p = s.points.filter((q) => Number.isFinite(q.x) && Number.isFinite(q.y)).sort((a, b) => a.x - b.x);
    // a step line: the count holds until the next point
    const path = p.map((q, i) => (i === 0 ? `${r1(X(q.x))},${r1(Y(q.y))}` : `${r1(X(q.x))},${r1(Y(p[i - 1].y))} ${r1(X(q.x))},${r1(Y(q.y))}`)).join(" ");
    const data = Object.entries(s.attrs ?? {}).map(([k, v]) => ` data-${k}="${xmlEscape(v)}"`).join("");
    out.push(`<g class="series"${data}><polyline fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ""} points="${path}"/></g>`);
  }
  out.push(`<g class="legend">`);
  c.series.forEach((s, i) => {
    const ly = ptop + 4 + i * 20;
    out.push(`<line x1="${PW + 10}" y1="${ly}" x2="${PW + 38}" y2="${ly}" stroke="${s.color}" stroke-width="2"/>`);
    out.push(`<text x="${PW + 46}" y="${ly + 4}">${xmlEscape(s.label)}</text>`);
  });
  out.push(`</g>`);
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}
