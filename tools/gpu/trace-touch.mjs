#!/usr/bin/env node
/**
 * Loads what a training run, the parity checks and the bench load, runs one tiny training step on
 * wasm, and writes the CommonJS files Node loaded (require.cache) to the file given as argument.
 * pack.mjs packs those files alone, not whole packages.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const [out] = process.argv.slice(2);
const core = await import('../../packages/core/dist/index.js');
await import('../../packages/core/dist/test-support/backend-parity.js');
const { tinyConfig } = await import('../../packages/core/dist/test-support/tiny.js');
await core.initBackend('wasm');
const config = tinyConfig();
const trainer = new core.Trainer(core.createHyperTransformer(config, 1), { episodes: () => [core.makeSyntheticEpisode(config, { ways: 3, shots: 1, queriesPerClass: 2, seed: 1 })] });
await trainer.run(1);
await trainer.close();
// The webgpu side is loaded without creating a device (no Vulkan needed here).
const require = createRequire(new URL('../../packages/core/package.json', import.meta.url));
require('@tensorflow/tfjs-backend-webgpu');
await import(require.resolve('webgpu'));
writeFileSync(out, JSON.stringify(Object.keys(require.cache)));
