#!/usr/bin/env node
/**
 * Starts a HyperTransformer (or ProtoNet) for another input size from a trained one: convolutions do not depend
 * on the input size, so every tensor of the same shape is copied; a local-feature kernel that grows
 * from 1×1 to k×k (the logits layer's, when the last feature map grows) becomes the average of
 * the k×k positions. Then train it with the recipe:
 *
 *   node tools/results/init-input-size.mjs <trained .hxmodel> <recipe.json> <out.hxmodel>
 *   hypertx train -c <recipe.json> --init <out.hxmodel> ...
 */
import { readFile } from 'node:fs/promises';
import * as core from '@hypertx/core';
import { recipeConfig } from '@hypertx/pipeline';
import { parseToolArgs } from '../tool-args.mjs';

const [source, recipePath, out] = parseToolArgs(import.meta.url, { positionals: 3 }).positionals;
await core.initBackend('auto');
const state = await core.loadCheckpoint(source);
const from = core.modelFromState(state);
const config = await recipeConfig(JSON.parse(await readFile(recipePath, 'utf8')));
const to = state.kind === 'protonet' ? core.createProtoNet(config, 1) : core.createHyperTransformer(config, 1);
const fromValues = from.values();
const values = to.values();
const byName = new Map(from.layout.entries.map((e) => [e.name, e]));
const copied = [];
const averaged = [];
for (const e of to.layout.entries) {
  const f = byName.get(e.name);
  if (!f) continue;
  const src = fromValues.subarray(f.offset, f.offset + f.size);
  if (f.shape.join() === e.shape.join()) {
    values.set(src, e.offset);
    copied.push(e.name);
  } else if (f.shape.length === 4 && f.shape[0] === 1 && f.shape[1] === 1 && e.shape[0] === e.shape[1] && f.shape[2] === e.shape[2] && f.shape[3] === e.shape[3]) {
    const positions = e.shape[0] * e.shape[1];
    for (let p = 0; p < positions; p++) for (let i = 0; i < f.size; i++) values[e.offset + p * f.size + i] = src[i] / positions;
    averaged.push(e.name);
  }
}
await core.saveCheckpoint(out, { kind: state.kind, config, params: values, step: 0, rng: { seed: 0 }, optimizer: null });
console.log(`${out}: ${copied.length} tensors copied, ${averaged.length} averaged (${averaged.join(', ') || 'none'}); ${to.layout.entries.length - copied.length - averaged.length} left at initialisation`);
