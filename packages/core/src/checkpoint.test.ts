import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { decodeCheckpoint, loadCheckpoint, loadModel, saveModel } from './checkpoint.js';
import { createHyperTransformer } from './model/hypertransformer.js';
import { makeSyntheticEpisode } from './synthetic.js';
import { tinyConfig, useWasm } from './test-support/tiny.js';
import { type EpisodeSource, Trainer } from './train/trainer.js';

let dir = '';
before(async () => {
  await useWasm();
  dir = await mkdtemp(join(tmpdir(), 'hypertx-core-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const config = tinyConfig();
/** Episodes are a pure function of (step, seed): the same after a resume. */
const source: EpisodeSource = (step, seed) => [0, 1].map((i) => makeSyntheticEpisode(config, { ways: 3, shots: 1, queriesPerClass: 2, seed: seed * 1000 + step * 10 + i }));
const options = { episodes: source, seed: 4, optimizer: { name: 'adam' as const }, schedule: { kind: 'exponential' as const, lr: 2e-3, decayRate: 0.5, decaySteps: 3 }, clipNorm: 5 };

test('resume is exact: 6 steps ≡ 3 steps + save + load + 3 steps (bitwise)', async () => {
  const straight = new Trainer(createHyperTransformer(config, 1), options);
  await straight.run(6);
  const first = new Trainer(createHyperTransformer(config, 1), { ...options, checkpoint: { path: join(dir, 'run.ckpt'), every: 3 } });
  await first.run(3);
  first.model.dispose();
  first.dispose();
  const resumed = await Trainer.resume(join(dir, 'run.ckpt'), options, config);
  assert.equal(resumed.step, 3);
  await resumed.run(6);
  assert.deepEqual(resumed.model.values(), straight.model.values());
  assert.deepEqual(resumed.state().optimizer, straight.state().optimizer);
  assert.deepEqual(await readdir(dir), ['run.ckpt'], 'no temporary files left behind');
  for (const t of [straight, resumed]) {
    t.model.dispose();
    t.dispose();
  }
});

test('checkpoint header is safetensors-style JSON with the promised fields', async () => {
  const trainer = new Trainer(createHyperTransformer(config, 1), options);
  await trainer.run(1);
  await trainer.save(join(dir, 'h.ckpt'));
  const bytes = await readFile(join(dir, 'h.ckpt'));
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
  assert.equal(header.format, 'hypertx-checkpoint');
  assert.equal(header.version, 2);
  assert.match(header.sha256, /^[0-9a-f]{64}$/);
  assert.equal(header.step, 1);
  assert.deepEqual(header.rng, { seed: 4 });
  assert.equal(header.optimizer.name, 'adam');
  assert.deepEqual(header.config, config);
  const t = header.tensors['params/layer0/label_embedding'];
  assert.deepEqual(t.shape, [config.maxWays + 1, config.embeddingDim]);
  assert.equal(t.dtype, 'F32');
  assert.equal((8 + n) % 8, 0);
  trainer.model.dispose();
  trainer.dispose();
});

test('corrupt, truncated and mismatched checkpoints give clear HypertxErrors', async () => {
  const model = createHyperTransformer(config, 1);
  await saveModel(join(dir, 'm.ckpt'), model);
  const bytes = await readFile(join(dir, 'm.ckpt'));
  assert.throws(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 10), 'cut.ckpt'), (e: Error & { code?: string }) => e.code === 'E_CHECKPOINT_CORRUPT' && /cut\.ckpt/.test(e.message));
  assert.throws(() => decodeCheckpoint(bytes.subarray(0, 5)), { code: 'E_CHECKPOINT_CORRUPT' });
  const garbled = Uint8Array.from(bytes);
  garbled[12] = 0x7b;
  garbled[13] = 0x7b;
  assert.throws(() => decodeCheckpoint(garbled), { code: 'E_CHECKPOINT_CORRUPT' });
  await writeFile(join(dir, 'junk.ckpt'), 'hello');
  await assert.rejects(loadCheckpoint(join(dir, 'junk.ckpt')), { code: 'E_CHECKPOINT_CORRUPT' });
  await assert.rejects(loadCheckpoint(join(dir, 'missing.ckpt')), { code: 'E_CHECKPOINT_READ' });
  const other = tinyConfig({ maxWays: 5 });
  await assert.rejects(Trainer.resume(join(dir, 'm.ckpt'), options, other), (e: Error & { code?: string }) => e.code === 'E_CHECKPOINT_CONFIG_MISMATCH' && /maxWays/.test(e.message));
  const loaded = await loadModel(join(dir, 'm.ckpt'));
  assert.deepEqual(loaded.values(), model.values());
  assert.equal(loaded.id(), model.id());
  loaded.dispose();
  model.dispose();
});
