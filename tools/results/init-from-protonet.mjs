#!/usr/bin/env node
/**
 * Staged training: starts a HyperTransformer from a trained model of the same CNN.
 *
 * - From a ProtoNet into a logits-only HyperTransformer: copies the conv stack (kernels, BatchNorm
 *   gamma/beta), so that the logits transformer learns to route class features from the first step
 *   instead of collapsing to uniform predictions (what a logits-only model trained from scratch
 *   did here).
 * - From a logits-only HyperTransformer into one that generates every layer on top of trained
 *   kernels (`cnn.addTrainableWeights`): copies everything of the same name (conv kernels become
 *   the base kernels; the logits generator, shared features and BatchNorm carry over) and zeroes
 *   the last LayerNorm of each conv generator, so the new model starts out computing exactly its
 *   source and learns episode-specific kernel changes from there.
 *
 *   node tools/results/init-from-protonet.mjs <source .hxmodel|.hxckpt> <recipe.json> <out.hxmodel>
 * then: hypertx train -c <recipe.json> --init <out.hxmodel> ...
 */
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseToolArgs } from '../tool-args.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const core = await import(path.join(root, 'packages/core/dist/index.js'));
const { recipeConfig } = await import(path.join(root, 'packages/cli/dist/training/run-training.js'));
const [protoPath, recipePath, outPath] = parseToolArgs(import.meta.url, { positionals: 3 }).positionals;
await core.initBackend('wasm');
const proto = core.modelFromState(await core.loadCheckpoint(protoPath));
const config = recipeConfig(JSON.parse(await readFile(recipePath, 'utf8')));
const fresh = core.createHyperTransformer(config, 1);
const values = fresh.values();
const source = proto.values();
const copied = [];
for (const entry of fresh.layout.entries) {
  const from = proto.layout.byName.get(entry.name);
  if (!from) continue;
  if (from.size !== entry.size) throw new Error(`${entry.name}: ${from.size} values in the ProtoNet, ${entry.size} in the HyperTransformer`);
  values.set(source.subarray(from.offset, from.offset + from.size), entry.offset);
  copied.push(entry.name);
}
const silenced = [];
if (config.cnn.addTrainableWeights) {
  const lastBlock = config.transformer.layers - 1;
  for (let l = config.cnn.trainedConvLayers; l < config.cnn.layers; l++) {
    for (const part of ['gamma', 'beta']) {
      const entry = fresh.layout.byName.get(`layer${l}/transformer/block${lastBlock}/ln2/${part}`);
      values.fill(0, entry.offset, entry.offset + entry.size);
    }
    silenced.push(`layer${l}`);
  }
}
if (config.cnn.addPrototypeLogits) {
  // The logits generator starts silent too: the model starts as the ProtoNet it came from.
  const logitsLayer = config.cnn.layers;
  for (const part of ['gamma', 'beta']) {
    const entry = fresh.layout.byName.get(`layer${logitsLayer}/transformer/block${config.transformer.layers - 1}/ln2/${part}`);
    values.fill(0, entry.offset, entry.offset + entry.size);
  }
  silenced.push(`layer${logitsLayer} (logits)`);
}
await core.saveModel(outPath, core.modelFromValues(config, values), { initialisedFrom: path.basename(protoPath), copied: copied.join(',') });
console.error(`copied ${copied.length} tensors (${copied.join(', ')})${silenced.length ? `; silenced the generators of ${silenced.join(', ')}` : ''} → ${outPath}`);
