import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHypertxError } from './errors.js';
import { hypertxMetadata } from './metadata.js';
import { parseHypertxMetadata } from './metadata-schema.js';
import { paperOmniglotCnn, randomCnn } from './testing/index.js';

const FILE = 'models/glyphs.tflite';

/** What an int8 .tflite written by an earlier version holds, byte for byte (metadata format 1). */
const WRITTEN_BY_EARLIER_VERSION =
  '{"format":1,"producer":"hypertx-testing","version":"0.0.0","labels":["character-1","character-2"],' +
  '"input":{"height":28,"width":28,"channels":1,"normalization":{"scale":[0.0078125],"offset":[-1],"description":"x/128-1, ink bright"}},' +
  '"modelId":"paper-omniglot-0","extra":{"format":"tflite-int8","precision":"int8","batch":"1","normalization":"affine","io":"float"}}';

const good = () => JSON.parse(JSON.stringify(hypertxMetadata(paperOmniglotCnn(0), { format: 'onnx', opset: '13' })));

/** Asserts `text` is refused as E_METADATA_INVALID (or `code`), kind input, naming the file and each of `mentions`. */
function assertRefused(text: string, mentions: string[], code = 'E_METADATA_INVALID'): void {
  assert.throws(
    () => parseHypertxMetadata(text, FILE),
    (err: unknown) => {
      assert.ok(isHypertxError(err));
      assert.equal(err.code, code);
      assert.equal(err.kind, 'input');
      assert.equal(err.path, FILE);
      assert.ok(err.message.startsWith(`${FILE}: `), err.message);
      for (const m of mentions) assert.ok(err.message.includes(m), `${JSON.stringify(m)} in: ${err.message}`);
      return true;
    },
  );
}

describe('parseHypertxMetadata', () => {
  it('reads what earlier versions wrote, with no unknown keys', () => {
    const { metadata, unknownKeys } = parseHypertxMetadata(WRITTEN_BY_EARLIER_VERSION, FILE);
    assert.deepEqual(metadata.labels, ['character-1', 'character-2']);
    assert.equal(metadata.input.normalization.description, 'x/128-1, ink bright');
    assert.deepEqual(unknownKeys, []);
  });

  it('reads what hypertxMetadata writes today, with and without the optional fields', () => {
    for (const model of [paperOmniglotCnn(0), randomCnn(3)]) {
      const written = hypertxMetadata(model);
      assert.deepEqual(parseHypertxMetadata(JSON.stringify(written), FILE), { metadata: JSON.parse(JSON.stringify(written)), unknownKeys: [] });
    }
    const { modelId: _m, extra: _e, ...bare } = good();
    delete bare.input.normalization.description;
    assert.deepEqual(parseHypertxMetadata(JSON.stringify(bare), FILE).unknownKeys, []);
  });

  it('refuses labels that are a string, naming the field and the value', () => {
    assertRefused(JSON.stringify({ ...good(), labels: 'abc' }), ['labels', 'must be an array', '"abc"']);
  });

  it('refuses a scale that is a string', () => {
    const m = good();
    m.input.normalization.scale = 'x';
    assertRefused(JSON.stringify(m), ['input.normalization.scale', 'must be an array', '"x"']);
  });

  it('refuses a null normalization', () => {
    const m = good();
    m.input.normalization = null;
    assertRefused(JSON.stringify(m), ['input.normalization', 'must be an object', 'null']);
  });

  it('refuses a misspelled required key, naming the missing field and the unknown one', () => {
    const { labels, ...rest } = good();
    assertRefused(JSON.stringify({ ...rest, lables: labels }), ['has no field labels', 'lables']);
  });

  it('reads an unknown optional key, and reports it', () => {
    const { unknownKeys } = parseHypertxMetadata(JSON.stringify({ ...good(), modelID: 'x', input: { ...good().input, dpi: 300 } }), FILE);
    assert.deepEqual(unknownKeys.sort(), ['input.dpi', 'modelID']);
  });

  it('reports at most 20 unknown keys', () => {
    const many = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i]));
    assert.equal(parseHypertxMetadata(JSON.stringify({ ...good(), ...many }), FILE).unknownKeys.length, 20);
  });

  it('does not count entries of the free-form extra map as unknown keys', () => {
    assert.deepEqual(parseHypertxMetadata(JSON.stringify({ ...good(), extra: { anything: 'goes' } }), FILE).unknownKeys, []);
  });

  it('refuses other wrong types and values, naming the field', () => {
    const m = good();
    const cases: [change: (m: ReturnType<typeof good>) => void, mentions: string[]][] = [
      [(m) => (m.labels = ['a', 3]), ['labels[1]', 'must be a string', '3']],
      [(m) => (m.labels = []), ['labels', 'must not be empty']],
      [(m) => (m.input.height = 0), ['input.height', '≥ 1']],
      [(m) => (m.input.width = 2.5), ['input.width', 'must be an integer']],
      [(m) => (m.input.channels = '1'), ['input.channels', 'must be an integer']],
      [(m) => (m.input.normalization.offset = [0, 0]), ['input.normalization.offset', '2 values', 'input.channels is 1']],
      [(m) => (m.producer = 7), ['producer', 'must be a string']],
      [(m) => (m.extra = { opset: 13 }), ['extra.opset', 'must be a string']],
      [(m) => delete m.input, ['has no field input']],
    ];
    for (const [change, mentions] of cases) {
      const copy = structuredClone(m);
      change(copy);
      assertRefused(JSON.stringify(copy), mentions);
    }
  });

  it('refuses a number too large for a double (it would parse as Infinity)', () => {
    assertRefused(JSON.stringify(good()).replace('"scale":[0.0078125]', '"scale":[1e400]'), ['input.normalization.scale[0]', 'must be a number', 'Infinity']);
  });

  it('refuses text that is not a JSON object', () => {
    assertRefused('{"format":1,', ['is not valid JSON']);
    assertRefused('null', ['must be a JSON object', 'null']);
    assertRefused('["a"]', ['must be a JSON object']);
  });

  it('refuses a newer metadata format with its own code and a hint to upgrade', () => {
    assertRefused(JSON.stringify({ ...good(), format: 2 }), ['format 2', 'newer hypertx'], 'E_METADATA_VERSION');
  });
});
