#!/usr/bin/env node
/**
 * Prints the Markdown tables of docs/results.md from bench/results/omniglot-eval.json, so the
 * numbers in the docs are the measured ones: `node tools/results/results-table.mjs`.
 *
 *   --in <file>        another results file (default bench/results/omniglot-eval.json)
 *   --compare <file>   instead: the same models before/after, matched by name without "+prior"
 *                      (the BatchNorm prior's effect), exported accuracy per support-set shape
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseToolArgs } from '../tool-args.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseToolArgs(import.meta.url, { options: { in: { type: 'string', default: path.join(root, 'bench/results/omniglot-eval.json') }, compare: { type: 'string' } } });
const { results, protocol } = JSON.parse(await readFile(values.in, 'utf8'));
if (values.compare) {
  const before = JSON.parse(await readFile(values.compare, 'utf8')).results;
  const cells = ['2w1s', '5w1s', '5w5s', '20w1s', '5w1s+5u', '20w1s+5u'];
  const fmt = (r) => (r ? (r.mean * 100).toFixed(1) : '—');
  const lines = [`| model | ${cells.join(' | ')} |`, `|---|${cells.map(() => '---').join('|')}|`];
  for (const [name, r] of Object.entries(results)) {
    const old = before[name.replace(/\+prior$/, '')];
    if (!old || old === r) continue;
    const cell = (c) => (r[c]?.exported ? `${fmt(old[c]?.exported)} → **${fmt(r[c]?.exported)}**` : '—');
    lines.push(`| ${name.replace(/\+prior$/, '')} | ${cells.map(cell).join(' | ')} |`);
  }
  console.log(lines.join('\n'));
  process.exit(0);
}
const pct = (r) => (r ? `${(r.mean * 100).toFixed(1)} ± ${(r.ci95 * 100).toFixed(1)}` : '—');
const rows = Object.entries(results).sort(([, a], [, b]) => (a.channels - b.channels) || a.kind.localeCompare(b.kind));

const out = [];
out.push(`Protocol: ${protocol.split}; ${protocol.episodes} episodes per cell, ${protocol.queriesPerClass} queries per class; ${protocol.ci}.`, '');
out.push('| model | channels | training episodes | 5-way 1-shot | 5-way 5-shot | 20-way 1-shot | 5-way 1-shot, transductive BN | 20-way 1-shot, transductive BN |');
out.push('|---|---|---|---|---|---|---|---|');
for (const [name, r] of rows) {
  out.push(`| ${name} (${r.kind === 'protonet' ? 'ProtoNet, TF.js, support-set BN' : 'HT, exported ONNX in onnxruntime'}) | ${r.channels}${r.imageSize && r.imageSize !== 28 ? ` (${r.imageSize}×${r.imageSize} input)` : ''} | ${r.trainingEpisodes ? `${Math.round(r.trainingEpisodes / 1000)}k` : '—'} | ${pct(r['5w1s']?.exported)} | ${pct(r['5w5s']?.exported)} | ${pct(r['20w1s']?.exported)} | ${pct(r['5w1s']?.transductive)} | ${pct(r['20w1s']?.transductive)} |`);
}
out.push('', '| model | unlabelled per class | 5-way 1-shot | 20-way 1-shot |', '|---|---|---|---|');
for (const [name, r] of rows) {
  if (r.kind !== 'hypertransformer' || !r['5w1s+2u']) continue;
  for (const u of [0, 2, 5]) {
    const suffix = u ? `+${u}u` : '';
    out.push(`| ${name} | ${u} | ${pct(r[`5w1s${suffix}`]?.exported)} | ${pct(r[`20w1s${suffix}`]?.exported)} |`);
  }
}
const shapes = ['2w1s', '5w1s', '5w5s', '5w10s', '10w3s', '20w1s', '20w10s'];
const measuredShapes = rows.filter(([, r]) => r['2w1s'] || r['20w10s']);
if (measuredShapes.length) {
  out.push('', `| model | ${shapes.map((s) => s.replace(/(\d+)w(\d+)s/, '$1-way $2-shot')).join(' | ')} |`, `|---|${shapes.map(() => '---').join('|')}|`);
  for (const [name, r] of measuredShapes) out.push(`| ${name} | ${shapes.map((s) => pct(r[s]?.exported)).join(' | ')} |`);
}
console.log(out.join('\n'));
