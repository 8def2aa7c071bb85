/** A minimal SVG line chart (no dependencies): axes, ticks, legend, one polyline per series. */

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#17becf'];

function niceTicks(min, max, count = 5) {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const ticks = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(+v.toPrecision(10));
  return ticks;
}

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');

/**
 * @param {{title: string, xLabel: string, yLabel: string, series: {name: string, points: [number, number][], dashed?: boolean, band?: [number, number, number][]}[], yRange?: [number, number], xLog?: boolean, width?: number, height?: number}} chart
 */
export function lineChart(chart) {
  const W = chart.width ?? 900;
  const H = chart.height ?? 400;
  const m = { l: 60, r: 330, t: 36, b: 48 };
  const all = chart.series.flatMap((s) => s.points);
  const fx = chart.xLog ? Math.log2 : (v) => v;
  const xs = all.map((p) => fx(p[0]));
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = chart.yRange ?? [Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))];
  const X = (v) => m.l + ((fx(v) - x0) / (x1 - x0 || 1)) * (W - m.l - m.r);
  const Y = (v) => H - m.b - ((v - y0) / (y1 - y0 || 1)) * (H - m.t - m.b);
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`];
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${m.l}" y="20" font-size="14" font-weight="bold">${esc(chart.title)}</text>`);
  for (const t of niceTicks(y0, y1)) {
    out.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${Y(t)}" y2="${Y(t)}" stroke="#eee"/>`);
    out.push(`<text x="${m.l - 6}" y="${Y(t) + 4}" text-anchor="end">${t}</text>`);
  }
  const xTicks = chart.xLog ? [...new Set(all.map((p) => p[0]))].sort((a, b) => a - b) : niceTicks(Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0])));
  for (const t of xTicks) out.push(`<text x="${X(t)}" y="${H - m.b + 16}" text-anchor="middle">${t}</text>`);
  out.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${H - m.b}" y2="${H - m.b}" stroke="black"/>`);
  out.push(`<line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${H - m.b}" stroke="black"/>`);
  out.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 10}" text-anchor="middle">${esc(chart.xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">${esc(chart.yLabel)}</text>`);
  chart.series.forEach((s, i) => {
    const c = COLORS[i % COLORS.length];
    if (s.band) {
      const upper = s.band.map(([x, , hi]) => `${X(x)},${Y(hi)}`);
      const lower = s.band.map(([x, lo]) => `${X(x)},${Y(lo)}`).reverse();
      out.push(`<polygon points="${[...upper, ...lower].join(' ')}" fill="${c}" opacity="0.15"/>`);
    }
    const pts = s.points.map(([x, y]) => `${X(x).toFixed(1)},${Y(y).toFixed(1)}`).join(' ');
    out.push(`<polyline points="${pts}" fill="none" stroke="${c}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    if (s.points.length < 12) for (const [x, y] of s.points) out.push(`<circle cx="${X(x)}" cy="${Y(y)}" r="3" fill="${c}"/>`);
    out.push(`<line x1="${W - m.r + 12}" x2="${W - m.r + 32}" y1="${m.t + 10 + i * 18}" y2="${m.t + 10 + i * 18}" stroke="${c}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    out.push(`<text x="${W - m.r + 38}" y="${m.t + 14 + i * 18}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
