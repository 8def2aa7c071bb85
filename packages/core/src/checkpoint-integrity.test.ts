/**
 * What the bytes of a .hxmodel/.hxckpt may mean: crafted headers are refused with the file, the
 * field and the allowed range before anything is planned or allocated; any byte changed, appended
 * or cut is refused by the checksum; version 1 files are refused with a hint and upgraded bit-exactly.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assembleSealed, HypertxError } from '@hypertx/export';
import { resealed, SeededRandom, splitContainer, unsealed } from '@hypertx/export/testing';
import { type TrainState, decodeCheckpoint, encodeCheckpoint, upgradeCheckpoint } from './checkpoint.js';
import { initialValues, makeLayout, paramSpecs } from './model/params.js';
import { tinyConfig } from './test-support/tiny.js';

const config = tinyConfig();

/** A model file: weights, a BatchNorm prior, metadata; no optimizer. */
function modelState(): TrainState {
  const layout = makeLayout(paramSpecs(config));
  const prior = [0, 1].map((l) => Float32Array.from({ length: 4 }, (_, c) => l + c / 8));
  return {
    kind: 'hypertransformer',
    config,
    params: initialValues(layout, 3),
    step: 0,
    rng: { seed: 0 },
    optimizer: null,
    metadata: { recipe: 'tiny', step: '7' },
    bnPrior: { weight: 30, mean: prior, variance: prior.map((p) => p.map((v) => v + 1)) },
  };
}

/** A resumable checkpoint: Adam slots and a schedule. */
function checkpointState(): TrainState {
  const layout = makeLayout(paramSpecs(config));
  const slot = (seed: number) => initialValues(layout, seed);
  return {
    kind: 'hypertransformer',
    config,
    params: initialValues(layout, 1),
    step: 12,
    rng: { seed: 4 },
    optimizer: { name: 'adam', hyper: { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }, t: 12, slots: { m: slot(5), v: slot(6).map(Math.abs) } },
    schedule: { kind: 'exponential', lr: 2e-3, decayRate: 0.5, decaySteps: 3 },
  };
}

/** Asserts `fn` throws an input-kind (exit 3) HypertxError whose message matches every pattern. */
function refused(fn: () => unknown, code: string, ...patterns: RegExp[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof HypertxError, `not a HypertxError: ${(err as Error)?.stack}`);
    assert.equal(err.kind, 'input', err.message);
    assert.equal(err.code, code, err.message);
    for (const p of patterns) assert.match(err.message, p);
    return true;
  });
}

test('round trip keeps every bit: params, optimizer slots, prior, facts', () => {
  for (const state of [modelState(), checkpointState()]) {
    const back = decodeCheckpoint(encodeCheckpoint(state), 'x.hxckpt');
    assert.deepEqual(back, state);
  }
});

test('a schedule is stored with its own fields only, so a recipe\'s extra keys never make a checkpoint unreadable', () => {
  const state = { ...checkpointState(), schedule: { kind: 'constant', lr: 0.01, note: 'from my recipe' } as unknown as TrainState['schedule'] };
  assert.deepEqual(decodeCheckpoint(encodeCheckpoint(state)).schedule, { kind: 'constant', lr: 0.01 });
});

test('crafted config values are refused naming the file, the field and the allowed range', () => {
  const good = encodeCheckpoint(modelState());
  const cases: Array<[(h: any) => void, RegExp]> = [
    [(h) => (h.config.transformer.layers = 1e9), /config\.transformer\.layers = 1000000000 is invalid: an integer in 1\.\.64/],
    [(h) => (h.config.transformer.layers = -1), /config\.transformer\.layers = -1 is invalid: an integer in 1\.\.64/],
    [(h) => (h.config.transformer.heads = 'NaN'), /config\.transformer\.heads = "NaN" is invalid: an integer in 1\.\.64/],
    [(h) => (h.config.maxWays = 1e9), /config\.maxWays = 1000000000 is invalid: an integer in 2\.\.1024/],
    [(h) => (h.config.embeddingDim = 2 ** 40), /config\.embeddingDim = 1099511627776 is invalid: an integer in 1\.\.4096/],
    [(h) => (h.config.cnn.channels = 1e9), /config\.cnn\.channels = 1000000000 is invalid: an integer in 1\.\.1024, or a list/],
    [(h) => (h.config.cnn.channels = [4, 4, 4]), /config\.cnn\.channels = \[4,4,4\] is invalid: .*one per block \(cnn\.layers\)/],
    [(h) => (h.config.image = { height: 1e6, width: 1e6, channels: 1 }), /config\.image\.height = 1000000 is invalid: an integer in 1\.\.1024/],
    [(h) => (h.config.image.width = 12.5), /config\.image\.width = 12\.5 is invalid: an integer in 1\.\.1024/],
    [(h) => (h.config.cnn.kernelSize = 4), /config\.cnn\.kernelSize = 4 is invalid: an odd integer in 1\.\.15/],
    [(h) => (h.config.cnn.activation = 'tanh'), /config\.cnn\.activation = "tanh" is invalid: one of "relu", "lrelu"/],
    [(h) => (h.config.transformer.layerNormEpsilon = 0), /config\.transformer\.layerNormEpsilon = 0 is invalid: a number > 0 and ≤ 1/],
    [(h) => (h.config.cnn.trainedConvLayers = 3), /config\.cnn\.trainedConvLayers = 3 is invalid: an integer in 0\.\.2/],
    [(h) => (h.config.sharedFeatures = 'none'), /config\.sharedFeatures = "none" is invalid: an object or null/],
    [(h) => (h.config.colour = true), /config\.colour = true is invalid: no such field/],
    [(h) => delete h.config.maxWays, /config\.maxWays missing is invalid: required/],
    [(h) => Object.assign(h.config.cnn, { layers: 16 }) && Object.assign(h.bnPrior, { blocks: 16 }), /pools a 12×12 image below 1×1/],
  ];
  for (const [edit, pattern] of cases) refused(() => decodeCheckpoint(resealed(good, edit), 'crafted.hxmodel'), 'E_CHECKPOINT_CORRUPT', /^crafted\.hxmodel: /, pattern);
});

test('Infinity (1e999 in JSON) is refused like any out-of-range number', () => {
  const good = encodeCheckpoint(modelState());
  const { header, data } = splitContainer(good);
  const json = JSON.stringify({ ...header, sha256: '0'.repeat(64) }).replace('"embeddingDim":8', '"embeddingDim":1e999');
  refused(() => decodeCheckpoint(assembleSealed('hypertx-checkpoint', 2, json, [data]), 'inf.hxmodel'), 'E_CHECKPOINT_CORRUPT', /config\.embeddingDim = Infinity is invalid/);
});

test('crafted header fields outside the config are refused with the field', () => {
  const good = encodeCheckpoint(checkpointState());
  const cases: Array<[(h: any) => void, RegExp]> = [
    [(h) => (h.step = -3), /header field step = -3 is invalid: an integer ≥ 0/],
    [(h) => (h.rng = { seed: 'x' }), /header field rng\.seed = "x" is invalid/],
    [(h) => (h.kind = 'gan'), /header field kind = "gan"/],
    [(h) => (h.optimizer.name = 'lion'), /header field optimizer\.name = "lion" is invalid: "sgd" or "adam"/],
    [(h) => (h.optimizer.hyper.beta1 = 'big'), /header field optimizer\.hyper\.beta1 = "big"/],
    [(h) => (h.schedule.decaySteps = null), /header field schedule\.decaySteps = null is invalid: a finite number/],
    [(h) => (h.extra = 1), /header field header\.extra = 1 is invalid: no such field/],
    [(h) => (h.metadata = { note: 'x'.repeat(5000) }), /header field metadata\.note = "xxx.*at most 4096 characters/],
    [(h) => (h.tensors['params/evil'] = { dtype: 'F32', shape: [1], data_offsets: [0, 4] }), /tensor params\/evil is not part of this hypertransformer/],
    [(h) => delete h.tensors['optimizer/v'], /tensor optimizer\/v is missing/],
    [(h) => (h.tensors['optimizer/m'].shape = [1e12]), /tensor optimizer\/m has shape \[1000000000000\], the config needs/],
    [(h) => (h.tensors['optimizer/m'].data_offsets = [0, 8]), /tensor optimizer\/m has bad dtype\/offsets/],
    [(h) => (h.tensors['optimizer/m'].dtype = 'F16'), /tensor optimizer\/m has bad dtype/],
  ];
  for (const [edit, pattern] of cases) refused(() => decodeCheckpoint(resealed(good, edit), 'crafted.hxckpt'), 'E_CHECKPOINT_CORRUPT', /^crafted\.hxckpt: /, pattern);
  // Two tensors swapped onto each other's bytes: every size fits, but one byte range is claimed twice.
  const overlapping = resealed(good, (h) => (h.tensors['optimizer/v'].data_offsets = [...h.tensors['optimizer/m'].data_offsets]));
  refused(() => decodeCheckpoint(overlapping, 'o.hxckpt'), 'E_CHECKPOINT_CORRUPT', /do not tile the data section/);
  // A byte after the last tensor, sealed in: nothing in the file goes unaccounted for.
  const { data } = splitContainer(good);
  const longer = new Uint8Array(data.length + 1);
  longer.set(data);
  refused(() => decodeCheckpoint(resealed(good, () => undefined, longer), 'l.hxckpt'), 'E_CHECKPOINT_CORRUPT', /1 bytes after the last tensor belong to no tensor/);
});

test('a trailing byte, a cut file and a header without the checksum first are refused', () => {
  const good = encodeCheckpoint(modelState());
  const longer = new Uint8Array(good.length + 1);
  longer.set(good);
  refused(() => decodeCheckpoint(longer, 'tail.hxmodel'), 'E_CHECKPOINT_CHECKSUM', /^tail\.hxmodel: checksum mismatch/);
  for (const cut of [good.length - 1, good.length - 4, Math.floor(good.length / 2)]) {
    refused(() => decodeCheckpoint(good.subarray(0, cut), 'cut.hxmodel'), 'E_CHECKPOINT_CORRUPT', /^cut\.hxmodel: .*truncated/);
  }
  refused(() => decodeCheckpoint(good.subarray(0, 100), 'cut.hxmodel'), 'E_CHECKPOINT_CORRUPT', /header length \d+ does not fit the file size 100/);
  const { header, data } = splitContainer(good);
  const { format, version, sha256, ...rest } = header;
  refused(() => decodeCheckpoint(unsealed({ version, format, sha256, ...rest }, data), 'moved.hxmodel'), 'E_CHECKPOINT_CORRUPT', /does not begin with format, version and sha256/);
});

test('every single-byte change in a .hxmodel and a .hxckpt is refused (seeded, 300 each)', () => {
  const rng = new SeededRandom(17);
  for (const [name, good] of [['m.hxmodel', encodeCheckpoint(modelState())], ['c.hxckpt', encodeCheckpoint(checkpointState())]] as const) {
    const headerEnd = 8 + Number(new DataView(good.buffer, good.byteOffset).getBigUint64(0, true));
    for (let i = 0; i < 300; i++) {
      const bytes = good.slice();
      // Half in the header (where the structure lives), half anywhere.
      const at = i % 2 === 0 ? rng.int(0, headerEnd - 1) : rng.int(0, bytes.length - 1);
      const flip = i % 3 === 0 ? 1 << rng.int(0, 7) : rng.int(1, 255);
      bytes[at] = i % 3 === 0 ? bytes[at]! ^ flip : (bytes[at]! + flip) % 256;
      assert.throws(
        () => decodeCheckpoint(bytes, name),
        (err: unknown) => err instanceof HypertxError && err.kind === 'input' && err.message.startsWith(`${name}: `),
        `${name}: byte ${at} changed to ${bytes[at]} was accepted`,
      );
    }
  }
});

/** The same state in the container hypertx wrote before the checksum (version 1). */
function versionOne(state: TrainState): Uint8Array {
  const { header, data } = splitContainer(encodeCheckpoint(state));
  const { sha256: _digest, ...rest } = header;
  return unsealed({ ...rest, version: 1 }, data);
}

test('version 1 files are refused with a hint to upgrade; upgradeCheckpoint keeps every bit', () => {
  for (const state of [modelState(), checkpointState()]) {
    const old = versionOne(state);
    assert.throws(() => decodeCheckpoint(old, 'old.hxmodel'), (err: unknown) => {
      assert.ok(err instanceof HypertxError);
      assert.equal(err.code, 'E_CHECKPOINT_VERSION');
      assert.equal(err.kind, 'input');
      assert.match(err.message, /^old\.hxmodel: checkpoint version 1 has no checksum/);
      assert.match(err.hint ?? '', /hypertx upgrade old\.hxmodel/);
      return true;
    });
    const { bytes, upgraded } = upgradeCheckpoint(old, 'old.hxmodel');
    assert.equal(upgraded, true);
    assert.deepEqual(decodeCheckpoint(bytes), state);
    assert.deepEqual(splitContainer(bytes).data, splitContainer(old).data, 'the data section is copied byte for byte');
    assert.deepEqual(upgradeCheckpoint(bytes), { bytes, upgraded: false }, 'a version 2 file is left as it is');
  }
  // A version 1 file gets every other check: a trailing byte is still refused.
  const old = versionOne(modelState());
  const longer = new Uint8Array(old.length + 1);
  longer.set(old);
  refused(() => upgradeCheckpoint(longer, 'tail.hxmodel'), 'E_CHECKPOINT_CORRUPT', /1 bytes after the last tensor/);
  refused(() => upgradeCheckpoint(unsealed({ ...splitContainer(old).header, step: -1 }, splitContainer(old).data), 'neg.hxmodel'), 'E_CHECKPOINT_CORRUPT', /step = -1/);
});
