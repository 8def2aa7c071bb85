#!/usr/bin/env node
/**
 * Plots for docs/: training curves from runs' log.jsonl, and accuracy against CNN width from
 * bench/results/omniglot-eval.json.
 *
 *   node tools/results/plot-results.mjs --run name=<run dir> [--run ...]
 *   node tools/results/plot-results.mjs --lineage name=<run dir>@<episodes before it>[:<last step>] [--lineage ...]
 *
 * --lineage draws docs/validation-lineage.svg: the validation curves of runs that continue one
 * another, against all training episodes seen (each run's step × its recipe's episodes per step,
 * plus the episodes of the runs before it).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { parseToolArgs } from '../tool-args.mjs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lineChart } from './svg-chart.mjs';
import { readSegment } from './lineage.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseToolArgs(import.meta.url, { options: { run: { type: 'string', multiple: true, default: [] }, lineage: { type: 'string', multiple: true, default: [] } } });

async function readLog(dir) {
  const text = await readFile(path.join(dir, 'log.jsonl'), 'utf8');
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

if (values.run.length > 0) {
  const runs = await Promise.all(values.run.map(async (spec) => {
    const [name, dir] = spec.split('=');
    return { name, log: await readLog(dir) };
  }));
  const train = runs.map((r) => ({ name: `${r.name} train (query acc.)`, points: r.log.filter((e) => e.type === 'train').map((e) => [e.step, e.accuracy]) }));
  const val = runs.map((r) => ({
    name: `${r.name} validation 5w1s`,
    dashed: true,
    points: r.log.filter((e) => e.type === 'validation').map((e) => [e.step, e.mean]),
    band: r.log.filter((e) => e.type === 'validation').map((e) => [e.step, e.mean - e.ci95, e.mean + e.ci95]),
  }));
  await writeFile(path.join(root, 'docs/training-accuracy.svg'), lineChart({ title: 'Omniglot training: accuracy', xLabel: 'step', yLabel: 'accuracy', series: [...train, ...val], yRange: [0, 1] }));
  const loss = runs.map((r) => ({ name: `${r.name}`, points: r.log.filter((e) => e.type === 'train').map((e) => [e.step, e.loss]) }));
  await writeFile(path.join(root, 'docs/training-loss.svg'), lineChart({ title: 'Omniglot training: query cross-entropy', xLabel: 'step', yLabel: 'loss', series: loss }));
  console.error('wrote docs/training-accuracy.svg, docs/training-loss.svg');
}

if (values.lineage.length > 0) {
  const series = [];
  for (const spec of values.lineage) {
    const [name, rest] = spec.split('=');
    const { log, episodesAt } = await readSegment(rest);
    const validation = log.filter((e) => e.type === 'validation');
    series.push({
      name,
      points: validation.map((e) => [episodesAt(e.step), e.mean]),
      band: validation.map((e) => [episodesAt(e.step), e.mean - e.ci95, e.mean + e.ci95]),
    });
  }
  await writeFile(
    path.join(root, 'docs/validation-lineage.svg'),
    lineChart({ title: 'Validation, 5-way 1-shot (300 held-out episodes), along continued runs', xLabel: 'training episodes seen', yLabel: 'accuracy', series, yRange: [0.8, 0.97] }),
  );
  console.error('wrote docs/validation-lineage.svg');
}

const evalFile = path.join(root, 'bench/results/omniglot-eval.json');
if (existsSync(evalFile)) {
  const { results } = JSON.parse(await readFile(evalFile, 'utf8'));
  // One line per model family; rows are named <family>-<channels>ch (see docs/results.md).
  const families = [
    { re: /^protonet-(\d+)ch$/, label: 'ProtoNet', dashed: true },
    { re: /^ht-logits-(\d+)ch$/, label: 'HT, logits generated' },
    { re: /^ht-residual-(\d+)ch$/, label: 'HT, all layers generated' },
  ];
  const series = [];
  for (const setting of ['5w1s', '20w1s']) {
    for (const family of families) {
      const points = Object.entries(results)
        .filter(([name, r]) => family.re.test(name) && r[setting]?.exported)
        .map(([name, r]) => [Number(family.re.exec(name)[1]), r[setting].exported.mean])
        .sort((a, b) => a[0] - b[0]);
      if (points.length) series.push({ name: `${family.label}, ${setting}`, points, dashed: family.dashed });
    }
  }
  if (series.length) {
    await writeFile(path.join(root, 'docs/accuracy-vs-width.svg'), lineChart({ title: 'Held-out alphabets: accuracy vs CNN width', xLabel: 'channels per conv layer', yLabel: 'accuracy', series, xLog: true }));
    console.error('wrote docs/accuracy-vs-width.svg');
  }
}
