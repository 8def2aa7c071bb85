import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { HypertxError } from './errors.js';
import { assembleSealed } from './sealed-container.js';
import { readCnnFile, writeCnnFile, writeFileAtomic } from './files.js';
import { decodeCnn, encodeCnn } from './hxcnn.js';
import type { StandaloneCnn } from './ir.js';
import { paperOmniglotCnn, randomCnn, resealed, splitContainer, unsealed } from './testing/index.js';

function assertSameModel(a: StandaloneCnn, b: StandaloneCnn): void {
  // Canonical JSON: sorted keys, float32 data as raw bit patterns.
  const strip = (m: StandaloneCnn) =>
    JSON.stringify(m, (_k, v) => {
      if (v instanceof Float32Array) return Array.from(new Uint32Array(v.buffer, v.byteOffset, v.length));
      if (v && typeof v === 'object' && !Array.isArray(v)) return Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)));
      return v;
    });
  assert.equal(strip(a), strip(b));
}

/** Re-encodes the file with an edited header (and optionally other data bytes), sealed again. */
const withHeader = resealed;

const expectError = (fn: () => unknown, code: string, pattern: RegExp) =>
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof HypertxError);
    assert.equal(err.code, code);
    assert.match(err.message, pattern);
    return true;
  });

test('round trip is bit-exact for 50 random models and the paper CNN', () => {
  for (let seed = 0; seed < 50; seed++) {
    const model = randomCnn(seed);
    assertSameModel(decodeCnn(encodeCnn(model)), model);
  }
  assertSameModel(decodeCnn(encodeCnn(paperOmniglotCnn(0))), paperOmniglotCnn(0));
});

test('round trip keeps odd float bit patterns (-0, subnormals, max float32)', () => {
  const model = paperOmniglotCnn(0);
  const w = model.layers[0]!.type === 'conv2d' ? model.layers[0].weights.data : new Float32Array();
  w[0] = -0;
  w[1] = 1e-45;
  w[2] = 3.4028234663852886e38;
  const back = decodeCnn(encodeCnn(model));
  assertSameModel(back, model);
});

test('layout: u64 header length, JSON header padded to 8, F32 tensors with offsets', () => {
  const bytes = encodeCnn(paperOmniglotCnn(0));
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal(n % 8, 0);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  assert.equal(header.format, 'hypertx-cnn');
  assert.equal(header.version, 2);
  assert.match(header.sha256, /^[0-9a-f]{64}$/);
  assert.deepEqual(Object.keys(header).slice(0, 3), ['format', 'version', 'sha256'], 'the digest sits at a fixed offset');
  assert.equal(header.model.layers[0].weights, 'layers.0.weights');
  assert.deepEqual(header.tensors['layers.0.weights'], { dtype: 'F32', shape: [3, 3, 1, 8], data_offsets: [0, 288] });
  const last = Math.max(...Object.values<any>(header.tensors).map((t) => t.data_offsets[1]));
  assert.equal(bytes.length, 8 + n + last);
});

test('rejects truncated files, bad JSON, wrong format, bad offsets, newer versions', () => {
  const good = encodeCnn(paperOmniglotCnn(0));
  expectError(() => decodeCnn(good.subarray(0, 5), 'm.hxcnn'), 'E_CNN_FILE', /^m\.hxcnn: the file is truncated: 5 bytes/);
  expectError(() => decodeCnn(good.subarray(0, 100)), 'E_CNN_FILE', /truncated: the header announces \d+ bytes, but only 92 follow/);
  expectError(() => decodeCnn(good.subarray(0, good.length - 4)), 'E_CNN_FILE', /the file is truncated: the tensors need \d+ data bytes, but only \d+ follow the header/);
  const badJson = good.slice();
  badJson[20] = 0x22; // a stray quote
  expectError(() => decodeCnn(badJson), 'E_CNN_FILE', /JSON header is malformed/);
  expectError(() => decodeCnn(new TextEncoder().encode('PK\x03\x04 this is a zip file')), 'E_CNN_FILE', /not a hypertx-cnn file/);
  expectError(() => decodeCnn(withHeader(good, (h) => (h.format = 'safetensors'))), 'E_CNN_FILE', /header.format is "safetensors"/);
  expectError(
    () => decodeCnn(withHeader(good, (h) => (h.tensors['layers.0.weights'].data_offsets = [0, 292]))),
    'E_CNN_FILE',
    /tensor "layers.0.weights" spans 292 bytes, but shape \[3,3,1,8\] of F32 needs 288/,
  );
  expectError(
    () => decodeCnn(withHeader(good, (h) => (h.tensors['layers.0.weights'].data_offsets = [1_000_000, 1_000_288]))),
    'E_CNN_FILE',
    /tensor "layers.0.weights" ends at data byte 1000288/,
  );
  expectError(() => decodeCnn(withHeader(good, (h) => (h.model.layers[0].weights = 'nope'))), 'E_CNN_FILE', /refers to tensor "nope"/);
  expectError(
    () => decodeCnn(withHeader(good, (h) => (h.version = 3)), 'new.hxcnn'),
    'E_CNN_VERSION',
    /^new\.hxcnn: written by a newer hypertx \(format v3\); this build reads v2 — upgrade @hypertx\/export$/,
  );
});

test('a version 1 file (written before the checksum) is refused with a hint to re-compile', () => {
  const { header, data } = splitContainer(encodeCnn(paperOmniglotCnn(0)));
  const { sha256: _digest, ...rest } = header;
  const old = unsealed({ ...rest, version: 1 }, data);
  assert.throws(() => decodeCnn(old, 'old.hxcnn'), (err: unknown) => {
    assert.ok(err instanceof HypertxError);
    assert.equal(err.code, 'E_CNN_VERSION');
    assert.equal(err.kind, 'input');
    assert.match(err.message, /^old\.hxcnn: written by an older hypertx \(format v1, without a checksum\)/);
    assert.match(err.hint ?? '', /re-compile/i);
    return true;
  });
});

test('a trailing byte, a changed tensor value and a header not written by hypertx are refused', () => {
  const good = encodeCnn(paperOmniglotCnn(0));
  const longer = new Uint8Array(good.length + 1);
  longer.set(good);
  expectError(() => decodeCnn(longer, 'long.hxcnn'), 'E_CNN_CHECKSUM', /^long\.hxcnn: checksum mismatch/);
  const changed = good.slice();
  changed[changed.length - 1]! ^= 0x01; // the lowest bit of one float: still a valid model, but not the one written
  expectError(() => decodeCnn(changed), 'E_CNN_CHECKSUM', /checksum mismatch/);
  // Re-sealed with a byte after the last tensor: nothing in a file goes unaccounted for.
  const { data } = splitContainer(good);
  const padded = new Uint8Array(data.length + 4);
  padded.set(data);
  expectError(() => decodeCnn(withHeader(good, () => undefined, padded)), 'E_CNN_FILE', /do not tile the data section: 4 bytes after the last tensor/);
  // The same header with its keys in another order: the checksum's place is not where it must be.
  const { header } = splitContainer(good);
  const { format, version, sha256, ...rest } = header;
  expectError(() => decodeCnn(unsealed({ version, format, sha256, ...rest }, data)), 'E_CNN_FILE', /does not begin with format, version and sha256/);
});

test('every single-byte change anywhere in a file is refused (seeded, 400 changes)', async () => {
  const { SeededRandom } = await import('./testing/random.js');
  const rng = new SeededRandom(2024);
  const good = encodeCnn(randomCnn(3));
  for (let i = 0; i < 400; i++) {
    const bytes = good.slice();
    const at = rng.int(0, bytes.length - 1);
    bytes[at] = (bytes[at]! + rng.int(1, 255)) % 256; // never the same value
    assert.throws(() => decodeCnn(bytes), (err: unknown) => err instanceof HypertxError && err.kind === 'input', `byte ${at} changed was accepted`);
  }
});

test('decoded models are validated (errors carry the source name)', () => {
  const good = encodeCnn(paperOmniglotCnn(0));
  expectError(() => decodeCnn(withHeader(good, (h) => (h.model.layers[0].stride = 0)), 'x.hxcnn'), 'E_IR_INVALID', /^x\.hxcnn: layer 0 \(conv2d\): stride is 0/);
  const data = splitContainer(good).data.slice();
  new DataView(data.buffer).setFloat32(4, Number.NaN, true);
  expectError(() => decodeCnn(withHeader(good, () => undefined, data)), 'E_IR_INVALID', /weights contains NaN at flat index 1/);
});

test('writeCnnFile/readCnnFile round trip atomically; failures leave nothing behind', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hxcnn-'));
  try {
    const path = join(dir, 'model.hxcnn');
    await writeFile(path, 'old contents');
    await writeCnnFile(path, randomCnn(11));
    assertSameModel(await readCnnFile(path), randomCnn(11));
    assert.deepEqual(await readdir(dir), ['model.hxcnn']);
    await assert.rejects(writeFileAtomic(join(dir, 'missing', 'x.bin'), new Uint8Array(3)), (err: unknown) => {
      assert.ok(err instanceof HypertxError);
      assert.equal(err.code, 'E_FILE_WRITE');
      assert.equal(err.kind, 'input');
      return true;
    });
    await assert.rejects(readCnnFile(join(dir, 'nope.hxcnn')), /model file not found: .*nope\.hxcnn/);
    await writeFile(path, new Uint8Array(4));
    await assert.rejects(readCnnFile(path), /model\.hxcnn: the file is truncated/);
    assert.deepEqual(await readdir(dir), ['model.hxcnn']);
    assert.equal((await readFile(path)).length, 4);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('fuzz: truncated or byte-flipped files decode to a valid model or throw a HypertxError, never crash', async () => {
  const { SeededRandom } = await import('./testing/random.js');
  const rng = new SeededRandom(99);
  const originals = [encodeCnn(paperOmniglotCnn(0)), encodeCnn(randomCnn(5)), encodeCnn(randomCnn(6))];
  let rejected = 0;
  for (let i = 0; i < 600; i++) {
    const good = originals[i % originals.length]!;
    let bytes: Uint8Array;
    if (i % 3 === 0) {
      bytes = good.subarray(0, rng.int(0, good.length - 1));
    } else {
      bytes = good.slice();
      const n = Number(new DataView(good.buffer).getBigUint64(0, true));
      // Mostly hit the header, where the structure lives.
      for (let k = rng.int(1, 3); k > 0; k--) bytes[rng.bool(0.8) ? rng.int(0, 8 + n - 1) : rng.int(0, bytes.length - 1)] = rng.int(0, 255);
    }
    try {
      decodeCnn(bytes);
    } catch (err) {
      assert.ok(err instanceof HypertxError, `mutation ${i}: ${(err as Error).stack}`);
      rejected++;
    }
  }
  assert.ok(rejected > 300, `only ${rejected} of 600 mutations were rejected`);
});

test('fuzz: any header value replaced by a value of another type is rejected with a HypertxError', async () => {
  const { SeededRandom } = await import('./testing/random.js');
  const rng = new SeededRandom(7);
  const good = encodeCnn(randomCnn(9));
  const replacements: unknown[] = [null, -1, 0, 1.5, 'x', [], {}, [1, 2], true, 'Infinity'];
  // Every path to a leaf or container in the header.
  const paths: Array<Array<string | number>> = [];
  const n = Number(new DataView(good.buffer).getBigUint64(0, true));
  const walk = (v: unknown, path: Array<string | number>) => {
    if (path.length > 0) paths.push(path);
    if (v && typeof v === 'object') for (const [k, child] of Object.entries(v)) walk(child, [...path, Array.isArray(v) ? Number(k) : k]);
  };
  walk(JSON.parse(new TextDecoder().decode(good.subarray(8, 8 + n))), []);
  let rejected = 0;
  for (const path of paths) {
    const value = rng.pick(replacements);
    const mutated = withHeader(good, (h) => {
      let target = h;
      for (const key of path.slice(0, -1)) target = target[key];
      target[path.at(-1)!] = value;
    });
    try {
      decodeCnn(mutated);
    } catch (err) {
      assert.ok(err instanceof HypertxError, `${path.join('.')} = ${JSON.stringify(value)}: ${(err as Error).stack}`);
      rejected++;
    }
  }
  assert.ok(rejected > paths.length / 2, `${rejected} of ${paths.length} rejected`);
});

test('hostile header values (100,000 levels of nesting, huge strings) are typed errors with a short message', () => {
  const good = encodeCnn(paperOmniglotCnn(0));
  // Built as text: JSON.stringify itself overflows the stack on such nesting.
  const deep = '['.repeat(100_000) + ']'.repeat(100_000);
  // The edited header is written as text with `raw` in place of a marker, then sealed like any
  // file hypertx writes, so the value itself (not the checksum) is what the reader meets.
  const withRaw = (edit: (h: any) => void, raw: string): Uint8Array => {
    const { header, data } = splitContainer(good);
    edit(header);
    const { format, version, sha256: _digest, ...rest } = header;
    const json = JSON.stringify({ format, version, sha256: '0'.repeat(64), ...rest }).replace('"@RAW@"', raw);
    if (format !== '@RAW@') return assembleSealed(format, version, json, [data]);
    // A hostile `format` cannot be sealed (the seal starts with it): written as is, it must still be refused.
    const h = new TextEncoder().encode(json + ' '.repeat((8 - (json.length % 8)) % 8));
    const out = new Uint8Array(8 + h.length + data.length);
    new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
    out.set(h, 8);
    out.set(data, 8 + h.length);
    return out;
  };
  const cases: Array<[string, (h: any) => void, string]> = [
    ['stride', (h) => (h.model.layers[0].stride = '@RAW@'), 'E_IR_INVALID'],
    ['padding', (h) => (h.model.layers[0].padding = '@RAW@'), 'E_IR_INVALID'],
    ['layer type', (h) => (h.model.layers[0].type = '@RAW@'), 'E_IR_INVALID'],
    ['input height', (h) => (h.model.input.height = '@RAW@'), 'E_IR_INVALID'],
    ['normalization', (h) => (h.model.input.normalization.scale[0] = '@RAW@'), 'E_IR_INVALID'],
    ['tensor name', (h) => (h.model.layers[0].weights = '@RAW@'), 'E_CNN_FILE'],
    ['tensor shape', (h) => (h.tensors['layers.0.weights'].shape = '@RAW@'), 'E_CNN_FILE'],
    ['tensor dtype', (h) => (h.tensors['layers.0.weights'].dtype = '@RAW@'), 'E_CNN_FILE'],
    ['data offsets', (h) => (h.tensors['layers.0.weights'].data_offsets = '@RAW@'), 'E_CNN_FILE'],
    ['format', (h) => (h.format = '@RAW@'), 'E_CNN_FILE'],
  ];
  for (const [what, edit, code] of cases) {
    for (const raw of [deep, JSON.stringify('x'.repeat(2_000_000)), `[${'[1],'.repeat(100_000)}[1]]`]) {
      assert.throws(
        () => decodeCnn(withRaw(edit, raw), 'x.hxcnn'),
        (err: unknown) => {
          assert.ok(err instanceof HypertxError, `${what}: ${String(err).slice(0, 200)}`);
          assert.equal(err.code, code, what);
          assert.ok(err.message.length < 400, `${what}: a ${err.message.length}-character message`);
          return true;
        },
        what,
      );
    }
  }
});
