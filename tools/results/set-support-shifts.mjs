#!/usr/bin/env node
/**
 * Writes a HyperTransformer's support-shift fill into its file (compile, eval, serve and worker then
 * fill each class up to that many images with 1–3 px shifted copies before generating; core:
 * support-shifts.ts), or sweeps fills on validation episodes to choose one.
 *
 *   node tools/results/set-support-shifts.mjs --model in.hxmodel --out out.hxmodel [--fill 25]
 *   node tools/results/set-support-shifts.mjs --model in.hxmodel --sweep 0,5,9,17,25 [--validation-shapes 5w1s,20w1s]
 *
 * --sweep prints validation accuracy (the 300 checkpoint-selection episodes per shape: held-out
 * alphabets, seed 7) for each fill, without touching the test episodes.
 */
import { setSupportShifts } from '@hypertx/pipeline';
import { OMNIGLOT_DATA_OPTION, orExplain, parseToolArgs } from '../tool-args.mjs';

const { values } = parseToolArgs(import.meta.url, {
  options: {
    data: OMNIGLOT_DATA_OPTION,
    model: { type: 'string' },
    out: { type: 'string' },
    fill: { type: 'string', default: '25' },
    sweep: { type: 'string' },
    'validation-shapes': { type: 'string', default: '5w1s' },
  },
});
if (!values.model || (!values.out && !values.sweep)) {
  console.error('usage: set-support-shifts.mjs --model <in> (--out <out> | --sweep f1,f2,…) [--fill 25]');
  process.exit(2);
}
const result = await orExplain(
  'set-support-shifts',
  setSupportShifts({
    model: values.model,
    data: values.data,
    ...(values.out ? { out: values.out } : {}),
    fill: Number(values.fill),
    ...(values.sweep ? { sweep: { fills: values.sweep.split(',').map(Number), shapes: values['validation-shapes'].split(',') } } : {}),
    onProgress: (event) => event.type === 'stage' && console.error(event.message),
  }),
);
for (const shape of new Set(result.sweep.map((r) => r.shape))) {
  const row = result.sweep.filter((r) => r.shape === shape).map((r) => `${r.fill}: ${(r.mean * 100).toFixed(2)} ± ${(r.ci95 * 100).toFixed(2)}`);
  console.log(`${shape} (validation, 300 episodes)  ${row.join('   ')}`);
}
if (result.out) console.log(`${result.out}: support shifts fill ${values.fill} images per class`);
