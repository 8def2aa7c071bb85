/**
 * Minimal SVG line charts (no dependencies): axes, ticks, one polyline per series, optional
 * confidence bands. Series stay apart without colour alone: each has its own colour (a
 * colour-blind-safe palette, never reused within a chart), its own marker shape, and is named
 * either in a legend that shows line and marker, or by a label at its line's end (`labels: 'end'`,
 * for charts whose lines a legend cannot tell apart). A series of one point is a marker, and the
 * axes are padded so no point sits on them.
 */

// Okabe & Ito's colour-blind-safe palette (yellow left out: unreadable on white), then darker extras.
export const COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#8C564B', '#7F7F7F', '#3B3B98'];
export const MARKERS = ['circle', 'square', 'triangle', 'diamond', 'triangle-down', 'plus', 'cross', 'star'];

function niceTicks(min, max, count = 5) {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const ticks = [];
  for (let v = Math.ceil(min / step - 1e-9) * step; v <= max + step * 1e-9; v += step) ticks.push(+v.toPrecision(10));
  return ticks;
}

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');
const f1 = (v) => v.toFixed(1);
const tickText = (t) => (Math.abs(t) >= 10000 ? `${+(t / 1000).toPrecision(6)}k` : String(t));

/** One marker shape centred on (x, y), radius r. */
function marker(shape, x, y, r, color) {
  const fill = `fill="${color}" stroke="white" stroke-width="0.8"`;
  switch (shape) {
    case 'square':
      return `<rect x="${f1(x - r * 0.85)}" y="${f1(y - r * 0.85)}" width="${f1(r * 1.7)}" height="${f1(r * 1.7)}" ${fill}/>`;
    case 'triangle':
      return `<polygon points="${f1(x)},${f1(y - r * 1.1)} ${f1(x + r)},${f1(y + r * 0.75)} ${f1(x - r)},${f1(y + r * 0.75)}" ${fill}/>`;
    case 'triangle-down':
      return `<polygon points="${f1(x)},${f1(y + r * 1.1)} ${f1(x + r)},${f1(y - r * 0.75)} ${f1(x - r)},${f1(y - r * 0.75)}" ${fill}/>`;
    case 'diamond':
      return `<polygon points="${f1(x)},${f1(y - r * 1.2)} ${f1(x + r)},${f1(y)} ${f1(x)},${f1(y + r * 1.2)} ${f1(x - r)},${f1(y)}" ${fill}/>`;
    case 'plus':
      return `<path d="M${f1(x - r)},${f1(y)}H${f1(x + r)}M${f1(x)},${f1(y - r)}V${f1(y + r)}" stroke="${color}" stroke-width="2.2"/>`;
    case 'cross':
      return `<path d="M${f1(x - r * 0.8)},${f1(y - r * 0.8)}L${f1(x + r * 0.8)},${f1(y + r * 0.8)}M${f1(x - r * 0.8)},${f1(y + r * 0.8)}L${f1(x + r * 0.8)},${f1(y - r * 0.8)}" stroke="${color}" stroke-width="2.2"/>`;
    case 'star': {
      const pts = [];
      for (let k = 0; k < 10; k++) {
        const a = -Math.PI / 2 + (k * Math.PI) / 5;
        const rr = k % 2 ? r * 0.5 : r * 1.2;
        pts.push(`${f1(x + rr * Math.cos(a))},${f1(y + rr * Math.sin(a))}`);
      }
      return `<polygon points="${pts.join(' ')}" ${fill}/>`;
    }
    default:
      return `<circle cx="${f1(x)}" cy="${f1(y)}" r="${f1(r)}" ${fill}/>`;
  }
}

/** Moves label positions apart (at least `gap` px) while keeping them near their wishes and inside [lo, hi]. */
function spreadLabels(wanted, gap, lo, hi) {
  const order = wanted.map((y, i) => ({ y, i })).sort((a, b) => a.y - b.y);
  const ys = order.map((o) => o.y);
  for (let pass = 0; pass < 50; pass++) {
    let moved = false;
    for (let k = 1; k < ys.length; k++) {
      const overlap = ys[k - 1] + gap - ys[k];
      if (overlap > 0.01) {
        ys[k - 1] -= overlap / 2;
        ys[k] += overlap / 2;
        moved = true;
      }
    }
    ys[0] = Math.max(ys[0], lo);
    for (let k = 1; k < ys.length; k++) ys[k] = Math.max(ys[k], ys[k - 1] + gap);
    if (ys.at(-1) > hi) {
      ys[ys.length - 1] = hi;
      for (let k = ys.length - 2; k >= 0; k--) ys[k] = Math.min(ys[k], ys[k + 1] - gap);
    }
    if (!moved) break;
  }
  const out = new Array(wanted.length);
  order.forEach((o, k) => (out[o.i] = ys[k]));
  return out;
}

/**
 * The elements of one chart in the box (left, top, width, height).
 * @param {{title?: string, xLabel: string, yLabel: string,
 *   series: {name: string, points: [number, number][], dashed?: boolean, band?: [number, number, number][], color?: string, marker?: string}[],
 *   yRange?: [number, number], xRange?: [number, number], xLog?: boolean, labels?: 'legend' | 'end', labelWidth?: number, markersEvery?: number}} chart
 */
function chartElements(chart, box) {
  const labels = chart.labels ?? 'legend';
  // Room for the longest name (about 7 px a character at 12 px) beside the marker or legend line.
  const longest = Math.max(0, ...chart.series.map((s) => String(s.name).length));
  const right = chart.labelWidth ?? Math.ceil(longest * 7 + (labels === 'end' ? 44 : 56));
  const m = { l: 62, r: right, t: chart.title ? 30 : 12, b: 44 };
  const left = box.left + m.l;
  const plotRight = box.left + box.width - m.r;
  const top = box.top + m.t;
  const bottom = box.top + box.height - m.b;
  const all = chart.series.flatMap((s) => s.points);
  const bandValues = chart.series.flatMap((s) => (s.band ?? []).flatMap(([, lo, hi]) => [lo, hi]));
  const fx = chart.xLog ? Math.log2 : (v) => v;
  const xs = all.map((p) => fx(p[0]));
  let [x0, x1] = chart.xRange ? chart.xRange.map(fx) : [Math.min(...xs), Math.max(...xs)];
  // Pad the x axis so the first and last points are not drawn on the axes.
  const xPad = (x1 - x0 || 1) * (chart.xLog ? 0.12 : 0.02);
  if (!chart.xRange) [x0, x1] = [x0 - xPad, x1 + xPad];
  let [y0, y1] = chart.yRange ?? [Math.min(...all.map((p) => p[1]), ...bandValues), Math.max(...all.map((p) => p[1]), ...bandValues)];
  if (!chart.yRange) {
    const pad = (y1 - y0 || Math.abs(y1) || 1) * 0.05;
    [y0, y1] = [y0 - pad, y1 + pad];
  }
  const X = (v) => left + ((fx(v) - x0) / (x1 - x0 || 1)) * (plotRight - left);
  const Y = (v) => bottom - ((v - y0) / (y1 - y0 || 1)) * (bottom - top);
  const clipId = `clip${Math.round(box.left)}_${Math.round(box.top)}`;
  const out = [];
  out.push(`<clipPath id="${clipId}"><rect x="${left - 6}" y="${top - 6}" width="${plotRight - left + 12}" height="${bottom - top + 6}"/></clipPath>`);
  if (chart.title) out.push(`<text x="${left}" y="${box.top + 20}" font-size="13" font-weight="bold">${esc(chart.title)}</text>`);
  for (const t of niceTicks(y0, y1)) {
    if (t < y0 || t > y1) continue;
    out.push(`<line x1="${left}" x2="${plotRight}" y1="${f1(Y(t))}" y2="${f1(Y(t))}" stroke="#e6e6e6"/>`);
    out.push(`<text x="${left - 6}" y="${f1(Y(t) + 4)}" text-anchor="end">${tickText(t)}</text>`);
  }
  const xTicks = chart.xLog
    ? [...new Set(all.map((p) => p[0]))].sort((a, b) => a - b)
    : niceTicks(chart.xRange?.[0] ?? Math.min(...all.map((p) => p[0])), chart.xRange?.[1] ?? Math.max(...all.map((p) => p[0])));
  for (const t of xTicks) {
    out.push(`<line x1="${f1(X(t))}" x2="${f1(X(t))}" y1="${bottom}" y2="${bottom + 4}" stroke="black"/>`);
    out.push(`<text x="${f1(X(t))}" y="${bottom + 17}" text-anchor="middle">${tickText(t)}</text>`);
  }
  out.push(`<line x1="${left}" x2="${plotRight}" y1="${bottom}" y2="${bottom}" stroke="black"/>`);
  out.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${bottom}" stroke="black"/>`);
  out.push(`<text x="${(left + plotRight) / 2}" y="${box.top + box.height - 8}" text-anchor="middle">${esc(chart.xLabel)}</text>`);
  out.push(`<text transform="translate(${box.left + 16} ${(top + bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(chart.yLabel)}</text>`);

  const styled = chart.series.map((s, i) => ({ ...s, color: s.color ?? COLORS[i % COLORS.length], marker: s.marker ?? MARKERS[i % MARKERS.length] }));
  const dash = (s) => (s.dashed ? ' stroke-dasharray="7 4"' : '');
  for (const s of styled) {
    if (!s.band?.length) continue;
    const upper = s.band.map(([x, , hi]) => `${f1(X(x))},${f1(Y(hi))}`);
    const lower = s.band.map(([x, lo]) => `${f1(X(x))},${f1(Y(lo))}`).reverse();
    out.push(`<polygon points="${[...upper, ...lower].join(' ')}" fill="${s.color}" opacity="0.12" clip-path="url(#${clipId})"/>`);
  }
  for (const s of styled) {
    if (s.points.length > 1) {
      const pts = s.points.map(([x, y]) => `${f1(X(x))},${f1(Y(y))}`).join(' ');
      out.push(`<polyline points="${pts}" fill="none" stroke="${s.color}" stroke-width="1.8" stroke-linejoin="round"${dash(s)} clip-path="url(#${clipId})"/>`);
    }
    // Markers on every point of short series (a single point is only a marker, drawn larger), on
    // about `markersEvery` evenly spread points of long ones, so shapes tell the lines apart.
    const every = s.points.length <= 12 ? 1 : Math.ceil(s.points.length / (chart.markersEvery ?? 8));
    const r = s.points.length === 1 ? 5.5 : 4;
    const shown = s.points.filter((_, k) => k % every === 0 || k === s.points.length - 1);
    out.push(`<g clip-path="url(#${clipId})">`, ...shown.map(([x, y]) => marker(s.marker, X(x), Y(y), r, s.color)), '</g>');
  }

  if (labels === 'end') {
    // Each line is named at the right edge, level with its last point, with a leader from that point.
    const ends = styled.map((s) => s.points.at(-1));
    const at = spreadLabels(ends.map(([, y]) => Y(y)), 14, top + 4, bottom);
    styled.forEach((s, i) => {
      const [ex, ey] = ends[i];
      const lx = plotRight + 8;
      out.push(`<polyline points="${f1(X(ex) + 5)},${f1(Y(ey))} ${f1(lx + 14)},${f1(at[i])}" fill="none" stroke="${s.color}" stroke-width="0.8" opacity="0.7"/>`);
      out.push(marker(s.marker, lx + 20, at[i], 3.5, s.color));
      out.push(`<text x="${f1(lx + 28)}" y="${f1(at[i] + 4)}" fill="${s.color}">${esc(s.name)}</text>`);
    });
  } else {
    styled.forEach((s, i) => {
      const y = top + 10 + i * 18;
      const lx = plotRight + 14;
      // A one-point series is drawn as a marker alone, and shown so in the legend.
      if (s.points.length > 1) out.push(`<line x1="${lx}" x2="${lx + 26}" y1="${y}" y2="${y}" stroke="${s.color}" stroke-width="1.8"${dash(s)}/>`);
      out.push(marker(s.marker, lx + 13, y, 3.5, s.color));
      out.push(`<text x="${lx + 34}" y="${y + 4}">${esc(s.name)}</text>`);
    });
  }
  return out;
}

/** One chart as a whole SVG document (width 900, height 400 unless given). */
export function lineChart(chart) {
  const W = chart.width ?? 900;
  const H = chart.height ?? 400;
  return svgDocument(W, H, [`<rect width="${W}" height="${H}" fill="white"/>`, ...chartElements(chart, { left: 0, top: 0, width: W, height: H })]);
}

/**
 * Several charts stacked in one SVG under a common title (`charts` drawn top to bottom, each
 * `panelHeight` high), e.g. accuracy and loss of the same runs with the same colours and markers.
 */
export function stackedCharts({ title, charts, width = 900, panelHeight = 330, note }) {
  const head = title ? 34 : 0;
  const foot = note ? 22 : 0;
  const H = head + charts.length * panelHeight + foot;
  const out = [`<rect width="${width}" height="${H}" fill="white"/>`];
  if (title) out.push(`<text x="12" y="22" font-size="15" font-weight="bold">${esc(title)}</text>`);
  charts.forEach((chart, i) => out.push(...chartElements(chart, { left: 0, top: head + i * panelHeight, width, height: panelHeight })));
  if (note) out.push(`<text x="12" y="${H - 7}" font-size="11" fill="#555">${esc(note)}</text>`);
  return svgDocument(width, H, out);
}

function svgDocument(W, H, elements) {
  return [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`, ...elements, '</svg>'].join('\n') + '\n';
}
