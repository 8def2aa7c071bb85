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
import { readFile } from 'node:fs/promises';
import { stageFromProtoNet } from '@hypertx/pipeline';
import { parseToolArgs } from '../tool-args.mjs';

const [source, recipePath, out] = parseToolArgs(import.meta.url, { positionals: 3 }).positionals;
const recipe = JSON.parse(await readFile(recipePath, 'utf8'));
const { copied, silenced } = await stageFromProtoNet({ source, recipe, out, backend: 'wasm' });
console.error(`copied ${copied.length} tensors (${copied.join(', ')})${silenced.length ? `; silenced the generators of ${silenced.join(', ')}` : ''} → ${out}`);
