#!/usr/bin/env node
/**
 * Plots for docs/: training curves from runs' training logs, and accuracy against CNN width from
 * bench/results/omniglot-eval.json.
 *
 *   node tools/results/plot-results.mjs [--record | --out <dir>]
 *   node tools/results/plot-results.mjs --run name=<run dir or log .jsonl> [--run ...] [--record | --out <dir>]
 *   node tools/results/plot-results.mjs --lineage name=<run dir>@<episodes before it>[:<last step>] [--lineage ...]
 *
 * Writes SVG files into bench/out/plots/ (not committed); --record writes them into docs/, where
 * docs/results.md shows them; --out <dir> into another folder.
 *
 * Without --run it draws the runs docs/results.md describes, from bench/results/training-logs/.
 * Training curves are split by family so that no chart has more than six runs:
 * training-protonet.svg and training-ht.svg, each with three panels (validation 5-way 1-shot with its
 * 95 % CI band, training query accuracy, training loss), one colour and marker per run throughout,
 * every line named at its end. accuracy-vs-width.svg has a panel per setting (5-way and 20-way
 * 1-shot); a model family measured at one width only is a single marker.
 *
 * --lineage draws validation-lineage.svg: the validation curves of runs that continue one
 * another, against all training episodes seen (each run's step × its recipe's episodes per step,
 * plus the episodes of the runs before it).
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OUT_DIR, REPO_ROOT, recordPath, writeOutput } from '../bench-output.mjs';
import { parseToolArgs } from '../tool-args.mjs';
import { COLORS, MARKERS, lineChart, stackedCharts } from './svg-chart.mjs';
import { readSegment } from './lineage.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseToolArgs(import.meta.url, {
  options: {
    run: { type: 'string', multiple: true, default: [] },
    lineage: { type: 'string', multiple: true, default: [] },
    out: { type: 'string' },
    record: { type: 'boolean', default: false },
  },
});
const outDir = values.out ? path.resolve(values.out) : values.record ? path.join(REPO_ROOT, 'docs') : path.join(OUT_DIR, 'plots');
const write = (name, svg) => writeOutput(path.join(outDir, name), svg);

/** The runs docs/results.md shows (name in the docs → its log in bench/results/training-logs/). */
const DOC_RUNS = [
  ['protonet-4ch', 'omniglot-protonet-4ch'],
  ['protonet-8ch', 'omniglot-protonet-8ch'],
  ['protonet-16ch', 'omniglot-protonet-16ch'],
  ['protonet-8ch-32px', 'omniglot-protonet-8ch-32px'],
  ['ht-full-8ch', 'omniglot-ht-8ch'],
  ['ht-logits-8ch', 'omniglot-ht-logits-8ch-staged'],
  ['ht-logits-8ch-continued', 'omniglot-ht-logits-8ch-unlabeled5'],
  ['ht-residual-4ch', 'omniglot-ht-residual-4ch'],
  ['ht-logits-16ch', 'omniglot-ht-logits-16ch-staged'],
  ['ht-logits-8ch-prior-trained', 'omniglot-ht-logits-8ch-prior'],
].map(([name, log]) => `${name}=${recordPath(path.join('training-logs', `${log}.jsonl`))}`);

/** A run's log entries: `<dir>/log.jsonl`, or a .jsonl file itself. */
async function readLog(where) {
  const file = where.endsWith('.jsonl') ? where : path.join(where, 'log.jsonl');
  const text = await readFile(file, 'utf8');
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 1;
}

/** Validation, training accuracy and loss of a family of runs, stacked, one style per run. */
function trainingFigure(title, runs, note) {
  const style = (i) => ({ color: COLORS[i % COLORS.length], marker: MARKERS[i % MARKERS.length] });
  const series = (pick) => runs.map((r, i) => ({ name: r.name, ...style(i), ...pick(r) })).filter((s) => s.points.length > 0);
  const validation = (r) => r.log.filter((e) => e.type === 'validation');
  const train = (r) => r.log.filter((e) => e.type === 'train');
  return stackedCharts({
    title,
    note,
    charts: [
      {
        title: 'Validation accuracy, 5-way 1-shot (300 held-out episodes; band: 95 % CI)',
        xLabel: 'step',
        yLabel: 'accuracy',
        labels: 'end',
        series: series((r) => ({
          points: validation(r).map((e) => [e.step, e.mean]),
          band: validation(r).map((e) => [e.step, e.mean - e.ci95, e.mean + e.ci95]),
        })),
      },
      {
        title: 'Training query accuracy (episodes of 2–20 ways; mean over 50 steps)',
        xLabel: 'step',
        yLabel: 'accuracy',
        labels: 'end',
        series: series((r) => ({ points: train(r).map((e) => [e.step, e.accuracy]) })),
      },
      {
        title: 'Training loss (query cross-entropy; the first steps of a run from scratch are cut off at the top)',
        xLabel: 'step',
        yLabel: 'loss',
        labels: 'end',
        series: series((r) => ({ points: train(r).map((e) => [e.step, e.loss]) })),
        // Runs from scratch start near ln(ways) and would flatten everything after their first steps.
        yRange: [0, 1.15 * quantile(runs.flatMap((r) => train(r).map((e) => e.loss)), 0.97)],
      },
    ],
  });
}

if (values.lineage.length === 0) {
  const specs = values.run.length > 0 ? values.run : DOC_RUNS;
  const runs = await Promise.all(
    specs.map(async (spec) => {
      const [name, where] = spec.split('=');
      return { name, log: await readLog(where) };
    }),
  );
  const protonets = runs.filter((r) => /^protonet/i.test(r.name));
  const others = runs.filter((r) => !/^protonet/i.test(r.name));
  for (const [file, title, family, note] of [
    ['training-protonet.svg', 'Omniglot training: ProtoNets', protonets, "x: each run's own step, 16 episodes per step."],
    [
      'training-ht.svg',
      'Omniglot training: HyperTransformers',
      others,
      "x: each run's own step (ht-full-8ch: 16 episodes per step; the others: 8). Staged runs start from a trained model at step 0.",
    ],
  ]) {
    for (let i = 0; i < family.length; i += 6) {
      const part = family.slice(i, i + 6);
      const name = i === 0 ? file : file.replace('.svg', `-${i / 6 + 1}.svg`);
      if (part.length > 0) await write(name, trainingFigure(title, part, note));
    }
  }
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
  await write(
    'validation-lineage.svg',
    lineChart({ title: 'Validation, 5-way 1-shot (300 held-out episodes), along continued runs', xLabel: 'training episodes seen', yLabel: 'accuracy', series, yRange: [0.8, 0.97], labels: 'end', labelWidth: 290 }),
  );
}

const evalFile = recordPath('omniglot-eval.json');
if (values.lineage.length === 0 && existsSync(evalFile)) {
  const { results } = JSON.parse(await readFile(evalFile, 'utf8'));
  // One line per model family; rows are named <family>-<channels>ch (see docs/results.md).
  const families = [
    { re: /^protonet-(\d+)ch$/, label: 'ProtoNet', dashed: true },
    { re: /^ht-logits-(\d+)ch$/, label: 'HT, logits generated' },
    { re: /^ht-residual-(\d+)ch$/, label: 'HT, all layers generated' },
  ];
  const panels = [];
  for (const [setting, title] of [
    ['5w1s', '5-way 1-shot'],
    ['20w1s', '20-way 1-shot'],
  ]) {
    const series = [];
    families.forEach((family, i) => {
      const points = Object.entries(results)
        .filter(([name, r]) => family.re.test(name) && r[setting]?.exported)
        .map(([name, r]) => [Number(family.re.exec(name)[1]), r[setting].exported.mean])
        .sort((a, b) => a[0] - b[0]);
      const only = points.length === 1 ? ` (${points[0][0]} channels only)` : '';
      if (points.length) series.push({ name: `${family.label}${only}`, points, dashed: family.dashed, color: COLORS[i], marker: MARKERS[i] });
    });
    if (series.length) panels.push({ title: `${title}, exported files, 1,000 held-out episodes`, xLabel: 'channels per conv layer', yLabel: 'accuracy', series, xLog: true });
  }
  if (panels.length) await write('accuracy-vs-width.svg', stackedCharts({ title: 'Held-out alphabets: accuracy vs CNN width', charts: panels, panelHeight: 300 }));
}
