#!/usr/bin/env node
/**
 * How far would longer training go? Fits a power law to a run's validation error,
 * error(episodes) = a · episodes^(−b), by least squares in log-log space, and solves it for a target
 * accuracy. A rough guide, and an optimistic one: power laws of this kind flatten out eventually,
 * and a cosine schedule bends the end of a run down (so only points up to `--until` are used).
 *
 *   node tools/results/extrapolate.mjs --run name=<run dir> [--run ...] [--target 0.97] [--until 0.8]
 *   node tools/results/extrapolate.mjs --run name=<dir>+<dir>@<episodes before it>[:<last step>]+... [--from <episodes>]
 *     (runs that continue one another, see lineage.mjs; --from fits only the points after that many episodes)
 *
 * Fit runs trained from scratch: a staged run's curve starts from a trained model, and a power law
 * fitted to its few steep first points says nothing about its future.
 *
 * Merges into bench/out/extrapolation.json (not committed; started from a copy of the committed
 * record when it does not exist yet); --record merges into bench/results/extrapolation.json, --out
 * into another file.
 */
import path from 'node:path';
import { OUTPUT_OPTIONS, outputPath, readMergeBase, writeOutput } from '../bench-output.mjs';
import { parseToolArgs } from '../tool-args.mjs';
import { fileURLToPath } from 'node:url';
import { readSegment } from './lineage.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseToolArgs(import.meta.url, {
  options: {
    run: { type: 'string', multiple: true, default: [] },
    target: { type: 'string', default: '0.97' },
    // Fraction of the schedule whose validation points are used (the cosine tail is left out).
    until: { type: 'string', default: '0.8' },
    // Fit only points after this many episodes (the flatter tail of a long lineage).
    from: { type: 'string', default: '0' },
    ...OUTPUT_OPTIONS,
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

/** One run, or runs that continue one another ("dirA+dirB@64000+..."): validation points against all episodes seen. */
async function readSegments(spec) {
  const points = [];
  const rates = [];
  let last;
  let spent = 0;
  for (const text of spec.split('+')) {
    const { recipe, log, episodesAt } = await readSegment(text);
    const lastStep = recipe.schedule.totalSteps ?? recipe.steps;
    for (const e of log) {
      const episodes = episodesAt(e.step);
      if (e.type === 'validation' && e.step <= Number(values.until) * lastStep && episodes >= Number(values.from)) points.push([episodes, 1 - e.mean]);
      if (e.type === 'train') rates.push(e.episodesPerSecond);
    }
    last = log.filter((e) => e.type === 'validation').at(-1);
    spent = episodesAt(last.step);
  }
  rates.sort((x, y) => x - y);
  return { points, last, spent, rate: rates[rates.length >> 1] };
}

const outFile = outputPath('extrapolation.json', values);
const results = (await readMergeBase(outFile, 'extrapolation.json'))?.results ?? {};
for (const spec of values.run) {
  const [name, dirs] = spec.split('=');
  const { points, last, spent, rate } = await readSegments(dirs);
  if (points.length < 3) {
    console.error(`${name}: only ${points.length} validation points; skipped`);
    continue;
  }
  const { a, b } = fit(points);
  const episodes = b > 0 ? (a / (1 - target)) ** (1 / b) : Infinity;
  const predicted = (e) => +(1 - a * e ** -b).toFixed(4);
  results[name] = {
    points: points.map(([e, err]) => ({ episodes: e, accuracy: +(1 - err).toFixed(4) })),
    fit: { a: +a.toPrecision(4), b: +b.toPrecision(4), form: 'error = a · episodes^(−b)' },
    lastValidation: { episodes: spent, accuracy: last.mean },
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
await writeOutput(outFile, JSON.stringify({ benchmark: 'extrapolation', date: new Date().toISOString(), note: 'validation: 300 fixed 5-way 1-shot episodes of the held-out alphabets', results }, null, 2) + '\n');
