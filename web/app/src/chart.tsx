/** A small SVG bar chart: one bar per point, the axis labelled at its ends; the values in a table for screen readers. */
export interface Point { x: string; y: number }

export function BarChart(p: { points: Point[]; title: string; unit: (y: number) => string; xLabel: string }) {
  const W = 640, H = 180, L = 48, B = 24, T = 8;
  const max = Math.max(1, ...p.points.map((q) => q.y));
  const n = Math.max(1, p.points.length);
  const bw = Math.min(48, (W - L - 8) / n);
  return (
    <figure class="chart">
      <svg class="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${p.title}: ${p.points.length} points, highest ${p.unit(max)}`}>
        <line class="axis" x1={L} y1={H - B} x2={W - 4} y2={H - B} />
        <line class="axis" x1={L} y1={T} x2={L} y2={H - B} />
        <text x={L - 6} y={T + 10} text-anchor="end">{p.unit(max)}</text>
        <text x={L - 6} y={H - B} text-anchor="end">0</text>
        {p.points.map((q, i) => {
          const h = ((H - B - T) * q.y) / max;
          return <rect key={i} class="bar" x={L + i * bw + 1} y={H - B - h} width={Math.max(1, bw - 2)} height={h}><title>{`${q.x}: ${p.unit(q.y)}`}</title></rect>;
        })}
        {p.points.length > 0 && <text x={L} y={H - 6}>{p.points[0].x}</text>}
        {p.points.length > 1 && <text x={W - 4} y={H - 6} text-anchor="end">{p.points[p.points.length - 1].x}</text>}
        <text x={(W + L) / 2} y={H - 6} text-anchor="middle">{p.xLabel}</text>
      </svg>
      <figcaption>{p.title}</figcaption>
    </figure>
  );
}
