#!/usr/bin/env node
/**
 * Benchmark of @hypertx/data: Omniglot load time, episode sampling throughput, support-set
 * loading, plus a pixel 1-nearest-neighbour baseline (how hard the episodes are); medians of
 * repeated runs. The Omniglot parts read the packed background split from HYPERTX_OMNIGLOT_DIR.
 *
 *   npm run bench:data [-- --record | -- --out <file>]      (node packages/data/bench/episodes.mjs after a build)
 *
 * Writes bench/out/data.json (not committed); --record writes bench/results/data.json, the
 * committed record.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OUTPUT_OPTIONS, outputPath, writeOutput } from '../../../tools/bench-output.mjs';
import { parseToolArgs } from '../../../tools/tool-args.mjs';
import { createEpisodeSampler, createGlyphSource, holdOutGroups, loadOmniglot, loadSupportSet, OMNIGLOT_VALIDATION_ALPHABETS } from '../dist/index.js';

const { values: args } = parseToolArgs(import.meta.url, { options: OUTPUT_OPTIONS });
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const omniglotDir = resolve(repoRoot, process.env.HYPERTX_OMNIGLOT_DIR ?? '../shared/datasets/omniglot-background');
const REPEATS = 5;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

function episodesPerSecond(source, options, episodes) {
  const runs = [];
  for (let r = 0; r < REPEATS; r++) {
    const sampler = createEpisodeSampler(source, { ...options, seed: r });
    sampler.next(); // warm-up
    const t0 = performance.now();
    for (let i = 0; i < episodes; i++) sampler.next();
    runs.push(episodes / ((performance.now() - t0) / 1000));
  }
  return { median: round(median(runs)), runs: runs.map((x) => round(x)), episodesPerRun: episodes };
}

function correlation(a, b) {
  let ma = 0, mb = 0;
  for (let i = 0; i < a.length; i++) { ma += a[i]; mb += b[i]; }
  ma /= a.length; mb /= b.length;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < a.length; i++) { const x = a[i] - ma, y = b[i] - mb; sab += x * y; saa += x * x; sbb += y * y; }
  return sab / Math.sqrt(saa * sbb);
}

/** 20-way 1-shot accuracy of a pixel-correlation nearest neighbour (no learning): a difficulty reference. */
function pixelNearestNeighbour(source, episodes) {
  const sampler = createEpisodeSampler(source, { ways: 20, shots: 1, queries: 3, imageSize: 28, seed: 'nn' });
  let correct = 0, total = 0;
  for (let e = 0; e < episodes; e++) {
    const ep = sampler.next();
    const P = 28 * 28;
    for (let q = 0; q < ep.query.count; q++) {
      const query = ep.query.pixels.subarray(q * P, (q + 1) * P);
      let best = -Infinity, label = -1;
      for (let s = 0; s < ep.support.count; s++) {
        const r = correlation(query, ep.support.pixels.subarray(s * P, (s + 1) * P));
        if (r > best) { best = r; label = ep.supportLabels[s]; }
      }
      correct += label === ep.queryLabels[q] ? 1 : 0;
      total++;
    }
  }
  return { accuracy: round(correct / total, 3), queries: total };
}

const result = {
  benchmark: 'data',
  date: new Date().toISOString(),
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.cpus().length,
  node: process.version,
  repeats: REPEATS,
  statistic: 'median',
};

const episode = { ways: 20, shots: 1, queries: 3, imageSize: 28 };
if (existsSync(join(omniglotDir, 'index.json'))) {
  const loads = [];
  for (let r = 0; r < REPEATS; r++) {
    const t0 = performance.now();
    loadOmniglot(omniglotDir);
    loads.push(performance.now() - t0);
  }
  const omniglot = loadOmniglot(omniglotDir);
  const { train } = holdOutGroups(omniglot, OMNIGLOT_VALIDATION_ALPHABETS);
  const big = loadOmniglot(omniglotDir, { variant: '105x105' });
  const t0 = performance.now();
  for (let c = 0; c < big.classes.length; c++) for (let i = 0; i < 20; i++) big.readImage(c, i, { height: 28, width: 28 });
  const resizeAllMs = performance.now() - t0;
  result.omniglot = {
    dir: omniglotDir,
    load28x28AllImagesMs: { median: round(median(loads), 2), runs: loads.map((x) => round(x, 2)), images: 19280 },
    resize105to28AllImagesMs: round(resizeAllMs),
    episodesPerSecond: {
      '20way-1shot-3query-28x28': episodesPerSecond(train, episode, 2000),
      '20way-1shot-3query-28x28-rotate': episodesPerSecond(train, { ...episode, rotate: true }, 2000),
      '20way-5shot-5query-28x28-rotate': episodesPerSecond(train, { ...episode, shots: 5, queries: 5, rotate: true }, 1000),
      'ways2-20-shots1-10-unlabeled0-5-query3-28x28': episodesPerSecond(train, { ...episode, ways: [2, 20], shots: [1, 10], unlabeled: [0, 5], rotate: true }, 1000),
    },
    pixelNearestNeighbour20way1shot: pixelNearestNeighbour(train, 100),
  };
} else {
  result.omniglot = { skipped: `not found at ${omniglotDir} (set HYPERTX_OMNIGLOT_DIR)` };
}

const glyphs = createGlyphSource({ seed: 'bench', alphabets: 30, charactersPerAlphabet: 30 });
const coldStart = performance.now();
for (let c = 0; c < glyphs.classes.length; c++) for (let i = 0; i < 20; i++) glyphs.readImage(c, i, { height: 28, width: 28 });
result.glyphs = {
  classes: glyphs.classes.length,
  renderAllImages28x28Ms: round(performance.now() - coldStart),
  episodesPerSecond: { '20way-1shot-3query-28x28-rotate-cached': episodesPerSecond(glyphs, { ...episode, rotate: true }, 2000) },
  pixelNearestNeighbour20way1shot: pixelNearestNeighbour(glyphs, 100),
};

const supportRuns = [];
for (let r = 0; r < REPEATS; r++) {
  const t0 = performance.now();
  await loadSupportSet(join(repoRoot, 'fixtures/support/glyphs-20way-1shot'), { height: 28, width: 28, channels: 1 });
  supportRuns.push(performance.now() - t0);
}
result.loadSupportSet = { fixture: 'fixtures/support/glyphs-20way-1shot (20 PNGs)', ms: { median: round(median(supportRuns)), runs: supportRuns.map((x) => round(x)) } };

await writeOutput(outputPath('data.json', args), JSON.stringify(result, null, 2) + '\n');
process.stdout.write(JSON.stringify(result, null, 2) + '\n');
