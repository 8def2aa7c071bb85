import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEpisodeSampler } from './sampler.js';
import { createGlyphSource } from './sources/glyphs.js';
import { hxError } from './test-support/paths.js';
import type { FewShotSource, ImageSize } from './types.js';

/**
 * A 3×3 source whose pixels say where they came from: pixel (0,0) = class, (0,1) = image index,
 * (0,2) = 200 as a rotation marker, the rest 0. With an identity normalisation the episode's
 * floats are these raw values.
 */
function markerSource(classes: number, images: number | number[], pool = 0): FewShotSource {
  const counts = typeof images === 'number' ? new Array(classes).fill(images) : images;
  const make = (a: number, b: number): Uint8Array => Uint8Array.from([a, b, 200, 0, 0, 0, 0, 0, 0]);
  const source: FewShotSource = {
    name: 'markers',
    classes: counts.map((n: number, i: number) => ({ name: `c${i}`, group: `g${i % 3}`, imageCount: n })),
    channels: 1,
    readImage: (c: number, i: number, size: ImageSize) => {
      assert.deepEqual(size, { height: 3, width: 3 });
      assert.ok(i < counts[c]!, `image ${i} of class ${c} does not exist`);
      return make(c, i);
    },
  };
  if (pool > 0) Object.assign(source, { unlabeled: { count: pool, readImage: (i: number) => make(250, i) } });
  return source;
}

const IDENTITY = { scale: [1], offset: [0] };
const base = { imageSize: 3, normalization: IDENTITY };

/** Undo the rotation (marker at (0,2) when unrotated) and read (class, image, turns). */
function decode(pixels: Float32Array, index: number): { cls: number; img: number; turns: number } {
  const p = Array.from(pixels.subarray(index * 9, index * 9 + 9));
  // Marker position after k counter-clockwise turns: (0,2) → (0,0) → (2,0) → (2,2).
  const markerAt = [2, 0, 6, 8];
  const turns = markerAt.findIndex((m) => p[m] === 200);
  assert.ok(turns >= 0, `no marker in ${p}`);
  // (0,0) and (0,1) move with it: rotate back.
  const back = [[0, 1], [6, 3], [8, 7], [2, 5]][turns]!;
  return { cls: p[back[0]!]!, img: p[back[1]!]!, turns };
}

test('episodes have the asked shapes, labels match classIds, support and query never share an image', () => {
  const sampler = createEpisodeSampler(markerSource(12, 10), { ...base, ways: 5, shots: 2, unlabeled: 1, queries: 3, seed: 1 });
  for (let e = 0; e < 20; e++) {
    const ep = sampler.next();
    assert.equal(ep.ways, 5);
    assert.equal(ep.support.count, 5 * 3);
    assert.equal(ep.query.count, 15);
    assert.deepEqual([ep.support.height, ep.support.width, ep.support.channels], [3, 3, 1]);
    assert.equal(ep.support.pixels.length, 15 * 9);
    assert.equal(new Set(ep.classIds).size, 5);
    assert.equal(ep.supportLabels.filter((l) => l === -1).length, 5);
    const seen = new Set<string>();
    const check = (batch: Float32Array, labels: Int32Array): void => {
      labels.forEach((label, i) => {
        const { cls, img } = decode(batch, i);
        const key = `${cls}/${img}`;
        assert.ok(!seen.has(key), `image ${key} used twice in one episode`);
        seen.add(key);
        if (label >= 0) assert.equal(cls, ep.classIds[label]);
        else assert.ok(ep.classIds.includes(cls), 'unlabelled images come from the episode classes');
      });
    };
    check(ep.support.pixels, ep.supportLabels);
    check(ep.query.pixels, ep.queryLabels);
    for (let w = 0; w < 5; w++) {
      assert.equal(ep.supportLabels.filter((l) => l === w).length, 2);
      assert.equal(ep.queryLabels.filter((l) => l === w).length, 3);
    }
  }
  assert.equal(sampler.count, 20);
});

test('same seed → identical episodes; another seed → different ones', () => {
  const opts = { ...base, ways: 4, shots: 1, queries: 2, rotate: true };
  const a = createEpisodeSampler(markerSource(10, 6), { ...opts, seed: 'run-1' });
  const b = createEpisodeSampler(markerSource(10, 6), { ...opts, seed: 'run-1' });
  const c = createEpisodeSampler(markerSource(10, 6), { ...opts, seed: 'run-2' });
  let differs = false;
  for (let i = 0; i < 5; i++) {
    const ea = a.next(), eb = b.next(), ec = c.next();
    assert.deepEqual(ea, eb);
    if (JSON.stringify(ea.classIds) !== JSON.stringify(ec.classIds) || !ea.support.pixels.every((v, j) => v === ec.support.pixels[j])) differs = true;
  }
  assert.ok(differs);
});

test('rotate: one k per class per episode, shared by its support and query images, all four used', () => {
  const sampler = createEpisodeSampler(markerSource(8, 8), { ...base, ways: 8, shots: 2, queries: 2, seed: 3, rotate: true });
  const used = new Set<number>();
  for (let e = 0; e < 10; e++) {
    const ep = sampler.next();
    const turnsOf = new Map<number, number>();
    for (const [batch, n] of [[ep.support.pixels, ep.support.count], [ep.query.pixels, ep.query.count]] as const) {
      for (let i = 0; i < n; i++) {
        const { cls, turns } = decode(batch, i);
        if (turnsOf.has(cls)) assert.equal(turnsOf.get(cls), turns, `class ${cls} rotated two ways in one episode`);
        turnsOf.set(cls, turns);
        used.add(turns);
      }
    }
    assert.equal(turnsOf.size, 8);
  }
  assert.deepEqual([...used].sort(), [0, 1, 2, 3]);
  const plain = createEpisodeSampler(markerSource(8, 8), { ...base, ways: 8, shots: 2, queries: 2, seed: 3 }).next();
  for (let i = 0; i < plain.support.count; i++) assert.equal(decode(plain.support.pixels, i).turns, 0);
});

test('variable ways and shots stay in their ranges and reach both ends', () => {
  const sampler = createEpisodeSampler(markerSource(20, 15), { ...base, ways: [2, 6], shots: [1, 4], unlabeled: [0, 2], queries: 2, seed: 9 });
  const waysSeen = new Set<number>();
  const shotsSeen = new Set<number>();
  for (let e = 0; e < 200; e++) {
    const ep = sampler.next();
    assert.ok(ep.ways >= 2 && ep.ways <= 6);
    const shots = ep.supportLabels.filter((l) => l === 0).length;
    assert.ok(shots >= 1 && shots <= 4);
    assert.equal(ep.queryLabels.length, ep.ways * 2);
    waysSeen.add(ep.ways);
    shotsSeen.add(shots);
  }
  assert.deepEqual([...waysSeen].sort(), [2, 3, 4, 5, 6]);
  assert.deepEqual([...shotsSeen].sort(), [1, 2, 3, 4]);
});

test('shuffle: false keeps class-major order; labelled before unlabelled', () => {
  const ep = createEpisodeSampler(markerSource(6, 6), { ...base, ways: 3, shots: 2, unlabeled: 1, queries: 1, seed: 2, shuffle: false }).next();
  assert.deepEqual(Array.from(ep.supportLabels), [0, 0, -1, 1, 1, -1, 2, 2, -1]);
  assert.deepEqual(Array.from(ep.queryLabels), [0, 1, 2]);
});

test('unlabelled images can come from the source pool', () => {
  const ep = createEpisodeSampler(markerSource(6, 4, 30), { ...base, ways: 3, shots: 1, unlabeled: 2, queries: 1, seed: 2, unlabeledFrom: 'pool' }).next();
  const unl = Array.from(ep.supportLabels).flatMap((l, i) => (l === -1 ? [decode(ep.support.pixels, i)] : []));
  assert.equal(unl.length, 6);
  assert.ok(unl.every((u) => u.cls === 250));
  assert.equal(new Set(unl.map((u) => u.img)).size, 6);
  assert.throws(() => createEpisodeSampler(markerSource(6, 4, 3), { ...base, ways: 3, shots: 1, unlabeled: 2, queries: 1, seed: 2, unlabeledFrom: 'pool' }), hxError('E_EPISODE_CLASS_TOO_SMALL', 'unlabelled'));
});

test('a class with fewer than K+U+Q images is a clear error (or skipped when asked)', () => {
  const src = markerSource(6, [10, 10, 4, 10, 10, 10]);
  assert.throws(() => createEpisodeSampler(src, { ...base, ways: 3, shots: 2, unlabeled: 1, queries: 2, seed: 1 }), hxError('E_EPISODE_CLASS_TOO_SMALL', '"c2"', '4 images', '2+1+2 = 5'));
  const s = createEpisodeSampler(src, { ...base, ways: 5, shots: 2, unlabeled: 1, queries: 2, seed: 1, skipSmallClasses: true });
  assert.deepEqual(s.eligibleClasses, [0, 1, 3, 4, 5]);
  for (let i = 0; i < 10; i++) assert.ok(!s.next().classIds.includes(2));
  assert.throws(() => createEpisodeSampler(src, { ...base, ways: 6, shots: 1, queries: 1, seed: 1 }).next() && createEpisodeSampler(src, { ...base, ways: 7, shots: 1, queries: 1, seed: 1 }), hxError('E_EPISODE_TOO_FEW_CLASSES', '7 ways'));
  assert.throws(() => createEpisodeSampler(src, { ...base, ways: [5, 2], shots: 1, queries: 1, seed: 1 }), hxError('E_INVALID_OPTION', 'ways'));
  assert.throws(() => createEpisodeSampler(src, { ...base, ways: 2, shots: 0, queries: 1, seed: 1 }), hxError('E_INVALID_OPTION', 'shots'));
  assert.throws(() => createEpisodeSampler(src, { ...base, ways: 2, shots: 1, queries: 1.5, seed: 1 }), hxError('E_INVALID_OPTION', 'queries'));
});

test('normalisation and channel conversion are applied (Omniglot map, 1 → 3 channels)', () => {
  const glyphs = createGlyphSource({ seed: 1, alphabets: 2, charactersPerAlphabet: 3, drawers: 4 });
  const ep = createEpisodeSampler(glyphs, { ways: 3, shots: 1, queries: 1, imageSize: 16, channels: 3, seed: 4 }).next();
  assert.equal(ep.support.channels, 3);
  assert.equal(ep.support.pixels.length, 3 * 16 * 16 * 3);
  const px = ep.support.pixels;
  for (let i = 0; i < px.length; i += 3) assert.ok(px[i] === px[i + 1] && px[i] === px[i + 2]);
  assert.ok(Math.min(...px) >= -1 && Math.max(...px) <= 1);
  assert.equal(px[0], -1); // background 0 → -1
});

test('nextBatch: episodes of one batch share ways and shots; batches vary', () => {
  const sampler = createEpisodeSampler(markerSource(20, 15), { ...base, ways: [2, 8], shots: [1, 5], queries: 2, seed: 5 });
  const sizes = new Set<string>();
  for (let b = 0; b < 20; b++) {
    const batch = sampler.nextBatch(4);
    assert.equal(batch.length, 4);
    const key = (e: (typeof batch)[number]): string => `${e.ways}/${e.support.count}/${e.query.count}`;
    assert.ok(batch.every((e) => key(e) === key(batch[0]!)));
    assert.notDeepEqual(batch[0]!.classIds, batch[1]!.classIds);
    sizes.add(key(batch[0]!));
  }
  assert.ok(sizes.size > 3);
  // Fixed counts: a batch is the same as consecutive next() calls.
  const fixed = { ...base, ways: 3, shots: 1, queries: 1, seed: 8 };
  const a = createEpisodeSampler(markerSource(10, 5), fixed).nextBatch(3);
  const s2 = createEpisodeSampler(markerSource(10, 5), fixed);
  assert.deepEqual(a, [s2.next(), s2.next(), s2.next()]);
  assert.throws(() => s2.nextBatch(0), hxError('E_INVALID_OPTION', 'nextBatch'));
});

test('shift: each image moves by its own offset within ±shift, content kept; no shift leaves episodes unchanged', () => {
  // 5×5 images, one bright pixel in the centre.
  const dot: FewShotSource = {
    name: 'dots',
    classes: Array.from({ length: 4 }, (_, i) => ({ name: `c${i}`, group: 'g', imageCount: 10 })),
    channels: 1,
    readImage: () => Uint8Array.from({ length: 25 }, (_, i) => (i === 12 ? 255 : 0)),
  };
  const options = { ways: 4, shots: 2, queries: 3, imageSize: 5, normalization: IDENTITY, seed: 5 };
  const plain = createEpisodeSampler(dot, options).next();
  const moved = createEpisodeSampler(dot, { ...options, shift: 1 }).next();
  assert.deepEqual(moved.supportLabels, plain.supportLabels, 'the same classes and images, only moved');
  assert.deepEqual(moved.classIds, plain.classIds);
  const offsets = new Set<string>();
  for (const batch of [moved.support, moved.query]) {
    for (let n = 0; n < batch.count; n++) {
      const img = Array.from(batch.pixels.subarray(n * 25, n * 25 + 25));
      const at = img.indexOf(255);
      assert.equal(img.filter((v) => v === 255).length, 1, 'the dot is moved, not lost or repeated');
      const [dy, dx] = [Math.floor(at / 5) - 2, (at % 5) - 2];
      assert.ok(Math.abs(dy) <= 1 && Math.abs(dx) <= 1, `offset (${dy}, ${dx}) within ±1`);
      offsets.add(`${dy},${dx}`);
    }
    for (let n = 0; n < plain.support.count; n++) assert.equal(plain.support.pixels[n * 25 + 12], 255, 'without shift the dot stays');
  }
  assert.ok(offsets.size >= 5, `offsets vary per image (${[...offsets].join(' ')})`);
  assert.deepEqual(createEpisodeSampler(dot, { ...options, shift: 0 }).next().support.pixels, plain.support.pixels);
  for (const bad of [-1, 1.5, 5]) {
    assert.throws(() => createEpisodeSampler(dot, { ...options, shift: bad }), hxError('E_INVALID_OPTION', 'shift must be an integer from 0 to 4'));
  }
});
