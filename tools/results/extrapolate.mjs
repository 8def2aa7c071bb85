#!/usr/bin/env node
/**
 * How far would longer training go? Fits a power law to a run's validation error,
 * error(episodes) = a · episodes^(−b), by least squares in log-log space, and solves it for a target
 * accuracy. A rough guide, and an optimistic one: power laws of this kind flatten out eventually,
 * and a cosine schedule bends the end of a run down (so only points up to `--until` are used).
 *
 *   node tools/results/extrapolate.mjs --run name=<run dir> [--run ...] [--target 0.97] [--until 0.8]
 *
 * Fit runs trained from scratch: a staged run's curve starts from a trained model, and a power law
 * fitted to its few steep first points says nothing about its future.
 *
 * Writes bench/results/extrapolation.json.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({
  options: {
    run: { type: 'string', multiple: true, default: [] },
    target: { type: 'string', default: '0.97' },
    // Fraction of the schedule whose validation points are used (the cosine tail is left out).
    until: { type: 'string', default: '0.8' },
    out: { type: 'string', default: path.join(root, 'bench/results/extrapolation.json') },
  },
});
const target = Number(values.target);

function fit(points) {
  const xs = points.map(([e]) => Math.log(e));
  const ys = points.map(([, err]) => Math.log(err));
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  const slope = sxy / sxx;
  return { a: Math.exp(my - slope * mx), b: -slope };
}

const results = {};
for (const spec of values.run) {
  const [name, dir] = spec.split('=');
  const recipe = JSON.parse(await readFile(path.join(dir, 'recipe.json'), 'utf8'));
  const log = (await readFile(path.join(dir, 'log.jsonl'), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const perStep = recipe.episodes.perStep;
  const lastStep = recipe.schedule.totalSteps ?? recipe.steps;
  const points = log
    .filter((e) => e.type === 'validation' && e.step <= Number(values.until) * lastStep)
    .map((e) => [e.step * perStep, 1 - e.mean]);
  const rates = log.filter((e) => e.type === 'train').map((e) => e.episodesPerSecond).sort((x, y) => x - y);
  const rate = rates[rates.length >> 1];
  if (points.length < 3) {
    console.error(`${name}: only ${points.length} validation points; skipped`);
    continue;
  }
  const { a, b } = fit(points);
  const episodes = b > 0 ? (a / (1 - target)) ** (1 / b) : Infinity;
  const last = log.filter((e) => e.type === 'validation').at(-1);
  const spent = last.step * perStep;
  const predicted = (e) => +(1 - a * e ** -b).toFixed(4);
  results[name] = {
    points: points.map(([e, err]) => ({ episodes: e, accuracy: +(1 - err).toFixed(4) })),
    fit: { a: +a.toPrecision(4), b: +b.toPrecision(4), form: 'error = a · episodes^(−b)' },
    lastValidation: { step: last.step, episodes: spent, accuracy: last.mean },
    predictedAccuracy: { at10x: predicted(10 * spent), at100x: predicted(100 * spent) },
    target,
    episodesForTarget: Number.isFinite(episodes) ? Math.round(episodes) : null,
    medianEpisodesPerSecond: rate,
    hoursAtThatRate: Number.isFinite(episodes) ? +(episodes / rate / 3600).toFixed(1) : null,
  };
  const r = results[name];
  console.log(
    `${name}: error ≈ ${a.toPrecision(3)}·episodes^(−${b.toFixed(3)}); last ${(last.mean * 100).toFixed(1)} % at ${spent} episodes; ` +
      `predicted ${(r.predictedAccuracy.at10x * 100).toFixed(1)} % at 10×, ${(r.predictedAccuracy.at100x * 100).toFixed(1)} % at 100×; ` +
      `${(target * 100).toFixed(0)} % after ≈ ${Number.isFinite(episodes) ? episodes.toExponential(1) : '∞'} episodes (${r.hoursAtThatRate?.toExponential(1) ?? '∞'} h at ${rate?.toFixed(0)} episodes/s)`,
  );
}
await writeFile(values.out, JSON.stringify({ benchmark: 'extrapolation', date: new Date().toISOString(), note: 'validation: 300 fixed 5-way 1-shot episodes of the held-out alphabets', results }, null, 2) + '\n');
