/**
 * A procedural glyph generator: a synthetic Omniglot for tests, fixtures and quick training runs
 * with no download.
 *
 * - An **alphabet** has a style: a set of anchor points strokes start and end on, a curviness, a
 *   stroke-count range, a mix of stroke kinds (curves, lines, arcs, hooks, dots) and a pen width.
 * - A **character** is 1–4 strokes drawn in that style, each stroke a few control points joined
 *   by a Catmull-Rom spline, scaled to fill the unit box.
 * - A **drawer** (one image of a character) jitters every control point, the pen width, and the
 *   glyph's position, scale, rotation and shear.
 * Everything derives from (seed, alphabet, character, drawer) alone, so any image can be rendered
 * on its own, in any order, and is the same for the same seed. Rendering is anti-aliased (pixel
 * coverage from the distance to the stroke centre line), ink bright (255) on dark (0), like
 * Omniglot-28, at any size.
 */
import { DATA_ERROR_CODES, usageError } from '../errors.js';
import { deriveSeed, hashSeed, Random, type Seed } from '@hypertx/export';
import type { FewShotClass, FewShotSource, ImageSize, RawImage } from '../types.js';

/** A point in the unit square (x right, y down). */
export interface GlyphPoint {
  x: number;
  y: number;
}

export interface GlyphStroke {
  /** Control points the stroke passes through (Catmull-Rom), at least one. */
  points: GlyphPoint[];
}

/** One drawing of a character: strokes in unit-square coordinates plus a pen width (unit-square fraction). */
export interface GlyphDrawing {
  strokes: GlyphStroke[];
  penWidth: number;
}

export interface GlyphSourceOptions {
  /** Everything derives from it (default "hypertx-glyphs"). */
  seed?: Seed;
  /** Number of alphabets (groups); default 10. */
  alphabets?: number;
  /** Characters (classes) per alphabet: a count or a [min, max] range drawn per alphabet; default 20. */
  charactersPerAlphabet?: number | readonly [number, number];
  /** Drawers (images) per character; default 20, like Omniglot. */
  drawers?: number;
  /** Cache rendered images per size (default true). */
  cache?: boolean;
}

export interface GlyphSource extends FewShotSource {
  readonly seed: Seed;
  /** The strokes of image `drawer` of class `classIndex` (to render it yourself or at another size). */
  drawing(classIndex: number, drawer: number): GlyphDrawing;
}

type StrokeKind = 'curve' | 'arc' | 'hook' | 'dot' | 'line';

interface AlphabetStyle {
  anchors: GlyphPoint[];
  curviness: number;
  minStrokes: number;
  maxStrokes: number;
  kinds: StrokeKind[];
  kindWeights: number[];
  penWidth: number;
}

const STROKE_KINDS: StrokeKind[] = ['curve', 'arc', 'hook', 'dot', 'line'];

function alphabetStyle(seed: number, alphabet: number): AlphabetStyle {
  const rng = new Random(deriveSeed(seed, 0xa1, alphabet));
  const anchors: GlyphPoint[] = [];
  const nAnchors = rng.range(5, 9);
  for (let i = 0; i < nAnchors; i++) anchors.push({ x: rng.uniform(0.1, 0.9), y: rng.uniform(0.1, 0.9) });
  const minStrokes = rng.range(1, 2);
  return {
    anchors,
    curviness: rng.uniform(0.05, 0.45),
    minStrokes,
    maxStrokes: rng.range(Math.max(minStrokes + 1, 2), 4),
    kinds: STROKE_KINDS,
    // Every alphabet draws mostly curves and lines, but in its own proportions, plus a few arcs/hooks/dots.
    kindWeights: [rng.uniform(0.5, 2), rng.uniform(0, 1.2), rng.uniform(0, 1), rng.uniform(0, 0.25), rng.uniform(0.2, 1.5)],
    penWidth: rng.uniform(0.045, 0.075),
  };
}

function pickWeighted<T>(rng: Random, items: T[], weights: number[]): T {
  const total = weights.reduce((a, b) => a + b, 0);
  let r = rng.next() * total;
  for (let i = 0; i < items.length; i++) {
    r -= weights[i]!;
    if (r < 0) return items[i]!;
  }
  return items[items.length - 1]!;
}

function makeStroke(rng: Random, style: AlphabetStyle): GlyphStroke {
  const kind = pickWeighted(rng, style.kinds, style.kindWeights);
  const a = style.anchors[rng.int(style.anchors.length)]!;
  let b = style.anchors[rng.int(style.anchors.length)]!;
  for (let tries = 0; tries < 4 && Math.hypot(b.x - a.x, b.y - a.y) < 0.2; tries++) b = style.anchors[rng.int(style.anchors.length)]!;
  if (Math.hypot(b.x - a.x, b.y - a.y) < 0.2) b = { x: 1 - a.x, y: 1 - a.y };
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  switch (kind) {
    case 'line':
      return { points: [a, { x: a.x + dx * 0.5, y: a.y + dy * 0.5 }, b] };
    case 'curve': {
      // Bend the chord a→b sideways: two inner points pushed along the normal.
      const bend1 = rng.normal() * style.curviness;
      const bend2 = rng.normal() * style.curviness;
      return {
        points: [
          a,
          { x: a.x + dx / 3 - dy * bend1, y: a.y + dy / 3 + dx * bend1 },
          { x: a.x + (2 * dx) / 3 - dy * bend2, y: a.y + (2 * dy) / 3 + dx * bend2 },
          b,
        ],
      };
    }
    case 'hook': {
      // Chord a→b then a short return stroke.
      const back = rng.uniform(0.25, 0.5);
      const side = rng.next() < 0.5 ? -1 : 1;
      return { points: [a, b, { x: b.x - dx * back - side * dy * 0.4, y: b.y - dy * back + side * dx * 0.4 }] };
    }
    case 'arc': {
      const r = rng.uniform(0.12, 0.3);
      const start = rng.uniform(0, 2 * Math.PI);
      const sweep = rng.uniform(Math.PI * 0.6, Math.PI * 1.9) * (rng.next() < 0.5 ? -1 : 1);
      const steps = 5;
      const points: GlyphPoint[] = [];
      for (let i = 0; i <= steps; i++) {
        const t = start + (sweep * i) / steps;
        points.push({ x: a.x + r * Math.cos(t), y: a.y + r * Math.sin(t) });
      }
      return { points };
    }
    case 'dot':
      return { points: [a, { x: a.x + 0.01, y: a.y + 0.01 }] };
  }
}

/** Scale and centre strokes so their bounding box fills [margin, 1 - margin], keeping the aspect ratio. */
function fitToBox(strokes: GlyphStroke[], margin: number): GlyphStroke[] {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const s of strokes) for (const p of s.points) {
    minX = Math.min(minX, p.x); maxX = Math.max(maxX, p.x);
    minY = Math.min(minY, p.y); maxY = Math.max(maxY, p.y);
  }
  const extent = Math.max(maxX - minX, maxY - minY, 0.05);
  const scale = Math.min((1 - 2 * margin) / extent, 3);
  const cx = (minX + maxX) / 2;
  const cy = (minY + maxY) / 2;
  return strokes.map((s) => ({ points: s.points.map((p) => ({ x: 0.5 + (p.x - cx) * scale, y: 0.5 + (p.y - cy) * scale })) }));
}

function characterStrokes(seed: number, alphabet: number, character: number, style: AlphabetStyle): GlyphStroke[] {
  const rng = new Random(deriveSeed(seed, 0xc4, alphabet, character));
  const n = rng.range(style.minStrokes, style.maxStrokes);
  const strokes: GlyphStroke[] = [];
  for (let i = 0; i < n; i++) strokes.push(makeStroke(rng, style));
  // A glyph made only of dots is unreadable: make sure there is one real stroke.
  if (strokes.every((s) => s.points.length === 2 && Math.hypot(s.points[1]!.x - s.points[0]!.x, s.points[1]!.y - s.points[0]!.y) < 0.05)) {
    strokes.push(makeStroke(rng, { ...style, kindWeights: [1, 0, 0, 0, 1] }));
  }
  return fitToBox(strokes, 0.16);
}

/** One drawer's version of a character: jittered points, pen width and affine placement. */
function drawerVersion(seed: number, alphabet: number, character: number, drawer: number, base: GlyphStroke[], penWidth: number): GlyphDrawing {
  const rng = new Random(deriveSeed(seed, 0xd7, alphabet, character, drawer));
  const scale = rng.uniform(0.8, 1.08);
  const angle = rng.normal() * 0.08;
  const shear = rng.normal() * 0.08;
  const tx = rng.normal() * 0.04;
  const ty = rng.normal() * 0.04;
  const cos = Math.cos(angle) * scale;
  const sin = Math.sin(angle) * scale;
  const strokes = base.map((s) => {
    const sx = rng.normal() * 0.015; // the whole stroke drifts a little...
    const sy = rng.normal() * 0.015;
    return {
      points: s.points.map((p) => {
        const x = p.x - 0.5 + sx + rng.normal() * 0.028; // ...and each point wobbles
        const y = p.y - 0.5 + sy + rng.normal() * 0.028;
        const xs = x + shear * y;
        return { x: 0.5 + tx + cos * xs - sin * y, y: 0.5 + ty + sin * xs + cos * y };
      }),
    };
  });
  return { strokes, penWidth: penWidth * rng.uniform(0.8, 1.25) };
}

/** Densify a stroke's control points into a polyline with a uniform Catmull-Rom spline. */
function strokePolyline(points: GlyphPoint[], stepsPerSpan: number): GlyphPoint[] {
  if (points.length < 3) return points;
  const out: GlyphPoint[] = [];
  for (let i = 0; i < points.length - 1; i++) {
    const p0 = points[Math.max(0, i - 1)]!;
    const p1 = points[i]!;
    const p2 = points[i + 1]!;
    const p3 = points[Math.min(points.length - 1, i + 2)]!;
    for (let s = 0; s < stepsPerSpan; s++) {
      const t = s / stepsPerSpan;
      const t2 = t * t;
      const t3 = t2 * t;
      const f = (a: number, b: number, c: number, d: number): number =>
        0.5 * (2 * b + (-a + c) * t + (2 * a - 5 * b + 4 * c - d) * t2 + (-a + 3 * b - 3 * c + d) * t3);
      out.push({ x: f(p0.x, p1.x, p2.x, p3.x), y: f(p0.y, p1.y, p2.y, p3.y) });
    }
  }
  out.push(points[points.length - 1]!);
  return out;
}

/**
 * Render a drawing at `size`: ink 255 on 0, anti-aliased (coverage = pen radius + ½ − distance to
 * the centre line, clamped to [0, 1], in pixels). The unit square maps onto the largest centred
 * square of the image. The pen is at least 1.2 px wide so strokes survive tiny sizes.
 */
export function renderGlyph(drawing: GlyphDrawing, size: ImageSize): Float32Array {
  const { height, width } = size;
  const out = new Float32Array(height * width);
  const side = Math.min(height, width);
  const ox = (width - side) / 2;
  const oy = (height - side) / 2;
  const radius = Math.max(0.6, (drawing.penWidth * side) / 2);
  const steps = Math.max(4, Math.min(16, Math.ceil(side / 8)));
  for (const stroke of drawing.strokes) {
    const line = strokePolyline(stroke.points, steps).map((p) => ({ x: ox + p.x * side, y: oy + p.y * side }));
    const segments = line.length === 1 ? [[line[0]!, line[0]!]] : line.slice(1).map((p, i) => [line[i]!, p]);
    for (const [a, b] of segments as [GlyphPoint, GlyphPoint][]) {
      const x0 = Math.max(0, Math.floor(Math.min(a.x, b.x) - radius - 1));
      const x1 = Math.min(width - 1, Math.ceil(Math.max(a.x, b.x) + radius + 1));
      const y0 = Math.max(0, Math.floor(Math.min(a.y, b.y) - radius - 1));
      const y1 = Math.min(height - 1, Math.ceil(Math.max(a.y, b.y) + radius + 1));
      const dx = b.x - a.x;
      const dy = b.y - a.y;
      const len2 = dx * dx + dy * dy;
      for (let y = y0; y <= y1; y++) {
        const py = y + 0.5;
        for (let x = x0; x <= x1; x++) {
          const px = x + 0.5;
          const t = len2 > 0 ? Math.min(1, Math.max(0, ((px - a.x) * dx + (py - a.y) * dy) / len2)) : 0;
          const d = Math.hypot(px - (a.x + t * dx), py - (a.y + t * dy));
          const cover = radius + 0.5 - d;
          if (cover > 0) {
            const v = cover >= 1 ? 255 : cover * 255;
            const i = y * width + x;
            if (v > out[i]!) out[i] = v;
          }
        }
      }
    }
  }
  return out;
}

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw usageError(DATA_ERROR_CODES.invalidOption, `glyph source: ${name} must be an integer ≥ 1, got ${value}`);
  return value;
}

/** A seeded source of procedural glyphs (see the module comment). Classes are alphabet-major. */
export function createGlyphSource(options: GlyphSourceOptions = {}): GlyphSource {
  const seedOption = options.seed ?? 'hypertx-glyphs';
  const seed = hashSeed(seedOption);
  const nAlphabets = positiveInt('alphabets', options.alphabets ?? 10);
  const drawers = positiveInt('drawers', options.drawers ?? 20);
  const perAlphabet = options.charactersPerAlphabet ?? 20;
  const [minChars, maxChars] = typeof perAlphabet === 'number' ? [perAlphabet, perAlphabet] : perAlphabet;
  positiveInt('charactersPerAlphabet', minChars);
  if (positiveInt('charactersPerAlphabet', maxChars) < minChars) throw usageError(DATA_ERROR_CODES.invalidOption, `glyph source: charactersPerAlphabet range [${minChars}, ${maxChars}] is empty`);
  const countRng = new Random(deriveSeed(seed, 0x5e));

  const styles: AlphabetStyle[] = [];
  const classes: FewShotClass[] = [];
  const classKey: { alphabet: number; character: number }[] = [];
  const pad = (n: number, width: number): string => String(n).padStart(width, '0');
  for (let a = 0; a < nAlphabets; a++) {
    styles.push(alphabetStyle(seed, a));
    const nChars = countRng.range(minChars, maxChars);
    const group = `alphabet-${pad(a + 1, 2)}`;
    for (let c = 0; c < nChars; c++) {
      classes.push({ name: `${group}/character-${pad(c + 1, 2)}`, group, imageCount: drawers });
      classKey.push({ alphabet: a, character: c });
    }
  }
  const baseStrokes = new Map<number, GlyphStroke[]>();
  const useCache = options.cache ?? true;
  const caches = new Map<string, (Float32Array | undefined)[]>();

  const drawing = (classIndex: number, drawer: number): GlyphDrawing => {
    const key = classKey[classIndex];
    if (!key || !Number.isInteger(drawer) || drawer < 0 || drawer >= drawers) {
      throw new RangeError(`glyph source: no image ${drawer} of class ${classIndex}`);
    }
    let base = baseStrokes.get(classIndex);
    if (!base) baseStrokes.set(classIndex, (base = characterStrokes(seed, key.alphabet, key.character, styles[key.alphabet]!)));
    return drawerVersion(seed, key.alphabet, key.character, drawer, base, styles[key.alphabet]!.penWidth);
  };

  return {
    name: `glyphs(seed ${JSON.stringify(seedOption)}, ${nAlphabets} alphabets, ${classes.length} characters)`,
    seed: seedOption,
    classes,
    channels: 1,
    drawing,
    readImage(classIndex: number, imageIndex: number, size: ImageSize): RawImage {
      if (!useCache) return renderGlyph(drawing(classIndex, imageIndex), size);
      const sizeKey = `${size.height}x${size.width}`;
      let cache = caches.get(sizeKey);
      if (!cache) caches.set(sizeKey, (cache = new Array(classes.length * drawers)));
      const slot = classIndex * drawers + imageIndex;
      const hit = cache[slot];
      if (hit) return hit;
      const rendered = renderGlyph(drawing(classIndex, imageIndex), size);
      cache[slot] = rendered;
      return rendered;
    },
  };
}
