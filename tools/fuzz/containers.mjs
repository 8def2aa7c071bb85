/**
 * Format-aware mutations: each knows where a container keeps its lengths, offsets and JSON, and
 * damages exactly that, so the reader's checks past "is this JSON" get exercised too.
 *
 * - safetensors-style (.hxmodel, .hxckpt, .hxcnn): u64 LE header length | JSON header | data
 * - ONNX: protobuf; `metadata_props` (ModelProto field 14) holds the hypertx metadata JSON
 * - TFLite: flatbuffer; the hypertx metadata JSON lives in a buffer, found without a schema
 * - C array (.cc): the .tflite bytes as hex, plus a length and comments naming the labels
 * - PNG: chunks with CRCs; the header chunk (IHDR) is rewritten WITH a valid CRC, so the decoder
 *   believes the damage
 * Each mutation returns `{ bytes, what }`.
 */
import { crc32 } from 'node:zlib';
import { anyByteMutation, concat, flipBits, setWord, truncate } from './bytes.mjs';
import { damageJsonText, mutateJson } from './json.mjs';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// ---------------------------------------------------------------------------------------------
// safetensors-style containers

export function parseSafetensors(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = Number(view.getBigUint64(0, true));
  const headerText = decoder.decode(bytes.subarray(8, 8 + length));
  return { length, headerText, header: JSON.parse(headerText), data: bytes.subarray(8 + length) };
}

export function encodeSafetensors(headerText, data, lengthOverride) {
  let text = headerText;
  while ((8 + encoder.encode(text).length) % 8 !== 0) text += ' ';
  const header = encoder.encode(text);
  const out = new Uint8Array(8 + header.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt.asUintN(64, BigInt(lengthOverride ?? header.length)), true);
  out.set(header, 8);
  out.set(data, 8 + header.length);
  return out;
}

/** Paths of the header that describe the model itself (config of a HyperTransformer, input/labels/layers of a CNN). */
const isConfigPath = (p) => p[0] === 'config' || (p[0] === 'model' && ['input', 'labels', 'layers', 'metadata'].includes(p[1])) || ['step', 'rng', 'optimizer', 'schedule', 'bnPrior', 'kind', 'version', 'format'].includes(p[0]);

export function mutateSafetensors(bytes, rng) {
  const parsed = parseSafetensors(bytes);
  const headerEnd = 8 + parsed.length;
  const kind = rng.weighted([
    [4, 'header-json'],
    [3, 'tensor-table'],
    [3, 'config-values'],
    [2, 'header-length'],
    [2, 'header-text'],
    [1, 'data-section'],
    [2, 'bytes'],
  ]);
  switch (kind) {
    case 'header-json': {
      const m = mutateJson(parsed.header, rng);
      return { mutation: kind, bytes: encodeSafetensors(m.text, parsed.data), what: `header ${m.what}` };
    }
    case 'tensor-table': {
      const m = mutateJson(parsed.header, rng, { focus: (p) => p[0] === 'tensors' && p.length >= 2 });
      return { mutation: kind, bytes: encodeSafetensors(m.text, parsed.data), what: `header ${m.what}` };
    }
    case 'config-values': {
      const m = mutateJson(parsed.header, rng, { focus: (p) => isConfigPath(p) && p.length >= 1 });
      return { mutation: kind, bytes: encodeSafetensors(m.text, parsed.data), what: `header ${m.what}` };
    }
    case 'header-length': {
      const value = rng.pick([0, 1, 7, parsed.length - 1, parsed.length + 1, parsed.length + 8, bytes.length, bytes.length - 8, 2 ** 31, 2 ** 53, 2n ** 64n - 1n]);
      return { mutation: kind, bytes: encodeSafetensors(parsed.headerText, parsed.data, value), what: `header length ${parsed.length} → ${value}` };
    }
    case 'header-text': {
      const m = damageJsonText(parsed.headerText, rng);
      return { mutation: kind, bytes: encodeSafetensors(m.text, parsed.data), what: `header ${m.what}` };
    }
    case 'data-section': {
      const m = rng.chance(0.5) ? flipBits(bytes, rng, { within: [headerEnd, bytes.length] }) : truncate(bytes, rng, { within: [headerEnd, bytes.length] });
      return { mutation: kind, ...m };
    }
    default:
      return { mutation: 'bytes', ...anyByteMutation(bytes, rng, rng.chance(0.5) ? { within: [0, headerEnd] } : {}) };
  }
}

// ---------------------------------------------------------------------------------------------
// protobuf (ONNX)

function readVarint(bytes, pos) {
  let value = 0n;
  let shift = 0n;
  for (;;) {
    if (pos >= bytes.length) throw new Error('varint past the end');
    const b = bytes[pos++];
    value |= BigInt(b & 0x7f) << shift;
    if (!(b & 0x80)) return { value, pos };
    shift += 7n;
    if (shift > 70n) throw new Error('varint too long');
  }
}

function writeVarint(value) {
  let v = BigInt.asUintN(64, BigInt(value));
  const out = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return Uint8Array.from(out);
}

/** The fields of a protobuf message in bytes[start, end): `{ field, wire, start, dataStart, end }`. */
export function scanFields(bytes, start = 0, end = bytes.length) {
  const fields = [];
  let pos = start;
  while (pos < end) {
    const tag = readVarint(bytes, pos);
    const field = Number(tag.value >> 3n);
    const wire = Number(tag.value & 7n);
    let dataStart = tag.pos;
    let fieldEnd;
    if (wire === 0) fieldEnd = readVarint(bytes, dataStart).pos;
    else if (wire === 1) fieldEnd = dataStart + 8;
    else if (wire === 5) fieldEnd = dataStart + 4;
    else if (wire === 2) {
      const len = readVarint(bytes, dataStart);
      dataStart = len.pos;
      fieldEnd = dataStart + Number(len.value);
    } else throw new Error(`wire type ${wire}`);
    if (fieldEnd > end) throw new Error('field past the end');
    fields.push({ field, wire, start: pos, lengthStart: tag.pos, dataStart, end: fieldEnd });
    pos = fieldEnd;
  }
  return fields;
}

function lengthDelimited(field, payload) {
  return concat(writeVarint((field << 3) | 2), writeVarint(payload.length), payload);
}

/** Replaces the `hypertx` entry of ONNX metadata_props with `value` (bytes), or null when there is none. */
function withOnnxMetadata(bytes, transform) {
  const top = scanFields(bytes);
  const entry = top.find((f) => {
    if (f.field !== 14 || f.wire !== 2) return false;
    const sub = scanFields(bytes, f.dataStart, f.end);
    const key = sub.find((s) => s.field === 1);
    return key && decoder.decode(bytes.subarray(key.dataStart, key.end)) === 'hypertx';
  });
  if (!entry) return null;
  const sub = scanFields(bytes, entry.dataStart, entry.end);
  const value = sub.find((s) => s.field === 2);
  const text = value ? decoder.decode(bytes.subarray(value.dataStart, value.end)) : '';
  const newText = transform(text);
  const payload = concat(lengthDelimited(1, encoder.encode('hypertx')), lengthDelimited(2, encoder.encode(newText)));
  return concat(bytes.subarray(0, entry.start), lengthDelimited(14, payload), bytes.subarray(entry.end));
}

export function mutateOnnx(bytes, rng) {
  const kind = rng.weighted([[5, 'metadata-json'], [3, 'proto-length'], [4, 'bytes']]);
  if (kind === 'metadata-json') {
    let what = '';
    const out = withOnnxMetadata(bytes, (text) => {
      const m = rng.chance(0.85) ? mutateJson(JSON.parse(text), rng) : damageJsonText(text, rng);
      what = `metadata_props.hypertx ${m.what}`;
      return m.text;
    });
    if (out) return { mutation: kind, bytes: out, what };
  }
  if (kind === 'proto-length') {
    // A length prefix of a top-level field or of a field one level down (the graph's nodes and initializers).
    const top = scanFields(bytes);
    const candidates = top.filter((f) => f.wire === 2);
    const graph = top.find((f) => f.field === 7 && f.wire === 2);
    if (graph) {
      try {
        candidates.push(...scanFields(bytes, graph.dataStart, graph.end).filter((f) => f.wire === 2));
      } catch {
        // not parseable as a message: top-level fields only
      }
    }
    const f = rng.pick(candidates);
    const length = f.end - f.dataStart;
    const value = rng.pick([0, 1, length - 1, length + 1, length * 2, 2 ** 31 - 1, 2 ** 32, 2 ** 62]);
    const out = concat(bytes.subarray(0, f.lengthStart), writeVarint(value), bytes.subarray(f.dataStart));
    return { mutation: kind, bytes: out, what: `length of field ${f.field} at ${f.start}: ${length} → ${value}` };
  }
  return { mutation: 'bytes', ...anyByteMutation(bytes, rng) };
}

// ---------------------------------------------------------------------------------------------
// flatbuffers (TFLite)

/**
 * The hypertx metadata JSON of a .tflite: a byte vector (u32 length, then the bytes) that starts
 * with `{"` and parses as JSON. Returns `{ lengthPos, start, length }` or null.
 */
export function findTfliteMetadata(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 4; i + 1 < bytes.length; i++) {
    if (bytes[i] !== 0x7b || bytes[i + 1] !== 0x22 || i % 4 !== 0) continue;
    const length = view.getUint32(i - 4, true);
    if (length < 2 || i + length > bytes.length) continue;
    try {
      const text = decoder.decode(bytes.subarray(i, i + length));
      if (JSON.parse(text)?.labels) return { lengthPos: i - 4, start: i, length, text };
    } catch {
      // not this one
    }
  }
  return null;
}

/**
 * Writes `text` as the metadata: in place when it fits (padded with spaces, valid JSON
 * whitespace), else appended at the end as a new vector, with every offset that pointed at the
 * old vector (uoffset: position + value = target) pointed at the new one.
 */
function replaceTfliteMetadata(bytes, found, text) {
  const payload = encoder.encode(text);
  if (payload.length <= found.length) {
    const out = Uint8Array.from(bytes);
    out.fill(0x20, found.start, found.start + found.length);
    out.set(payload, found.start);
    return out;
  }
  const pad = (4 - (bytes.length % 4)) % 4;
  const vectorPos = bytes.length + pad;
  const out = new Uint8Array(vectorPos + 4 + payload.length);
  out.set(bytes);
  const view = new DataView(out.buffer);
  view.setUint32(vectorPos, payload.length, true);
  out.set(payload, vectorPos + 4);
  for (let p = 0; p + 4 <= bytes.length; p += 4) {
    if (p + view.getUint32(p, true) === found.lengthPos) view.setUint32(p, vectorPos - p, true);
  }
  return out;
}

export function mutateTflite(bytes, rng) {
  const kind = rng.weighted([[4, 'metadata-json'], [4, 'flatbuffer-offset'], [4, 'bytes']]);
  if (kind === 'metadata-json') {
    const found = findTfliteMetadata(bytes);
    if (found) {
      const m = rng.chance(0.85) ? mutateJson(JSON.parse(found.text), rng) : damageJsonText(found.text, rng);
      return { mutation: kind, bytes: replaceTfliteMetadata(bytes, found, m.text), what: `metadata ${m.what}` };
    }
  }
  if (kind === 'flatbuffer-offset') {
    // Tables, vtables and vector lengths sit mostly in front of the weight buffers.
    const within = rng.chance(0.7) ? [0, Math.min(bytes.length, 2048)] : [0, bytes.length];
    return { mutation: kind, ...setWord(bytes, rng, { within }) };
  }
  return { mutation: 'bytes', ...anyByteMutation(bytes, rng) };
}

// ---------------------------------------------------------------------------------------------
// C arrays

const HEX_ARRAY = /(\[\]\s*=\s*\{)([\s\S]*?)(\};)/;

export function cArrayBytes(text) {
  const m = HEX_ARRAY.exec(text);
  return Uint8Array.from(m[2].match(/0x[0-9a-fA-F]{2}/g).map((h) => parseInt(h, 16)));
}

function cArrayWith(text, bytes, keepLength) {
  const lines = [];
  for (let i = 0; i < bytes.length; i += 12) {
    lines.push('  ' + Array.from(bytes.subarray(i, i + 12), (b) => `0x${b.toString(16).padStart(2, '0')},`).join(' '));
  }
  const out = text.replace(HEX_ARRAY, (_m, a, _b, c) => `${a}\n${lines.join('\n')}\n${c}`);
  return keepLength ? out : out.replace(/(_len\s*=\s*)\d+/, `$1${bytes.length}`);
}

export function mutateCArray(bytes, rng) {
  const text = decoder.decode(bytes);
  const kind = rng.weighted([[4, 'c-embedded'], [4, 'c-text'], [2, 'bytes']]);
  if (kind === 'c-embedded') {
    const m = mutateTflite(cArrayBytes(text), rng);
    const keepLength = rng.chance(0.3);
    return { mutation: kind, bytes: encoder.encode(cArrayWith(text, m.bytes, keepLength)), what: `embedded .tflite: ${m.what}${keepLength ? ' (length line kept)' : ''}` };
  }
  if (kind === 'c-text') {
    const edits = [
      ['length line', () => text.replace(/(_len\s*=\s*)\d+/, `$1${rng.pick(['0', '-1', '4294967296', '99999999999', '0x10', 'abc', '1e9'])}`)],
      ['hex token', () => {
        const tokens = [...text.matchAll(/0x[0-9a-f]{2}/g)];
        const t = rng.pick(tokens);
        return text.slice(0, t.index) + rng.pick(['0xZZ', '256', '-1', '0x1ff', "'a'", '0x', '1e3', '0x7fffffffffff']) + text.slice(t.index + 4);
      }],
      ['closing brace', () => text.replace('};', '')],
      ['array lines removed', () => {
        const lines = text.split('\n');
        const at = rng.range(0, lines.length - 1);
        lines.splice(at, rng.range(1, 50));
        return lines.join('\n');
      }],
      ['comment labels', () => text.replace(/Labels: [^\n]*/, `Labels: "${rng.pick(['\u001b[2J\u001b[31mx', '*/ int x; /*', '\u0000', 'A'.repeat(100_000)])}".`)],
      ['array name', () => text.replace(/hypertx_model\[\] =/, rng.pick(['[] =', 'model[] = {', 'hypertx_model[4] =']))],
      ['text cut', () => text.slice(0, rng.int(text.length))],
      ['no array', () => text.replace(HEX_ARRAY, '')],
    ];
    const [name, edit] = rng.pick(edits);
    return { mutation: kind, bytes: encoder.encode(edit()), what: `C text: ${name}` };
  }
  return { mutation: 'bytes', ...anyByteMutation(bytes, rng) };
}

// ---------------------------------------------------------------------------------------------
// PNG

function pngChunks(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks = [];
  for (let pos = 8; pos + 12 <= bytes.length; ) {
    const length = view.getUint32(pos);
    const type = decoder.decode(bytes.subarray(pos + 4, pos + 8));
    chunks.push({ pos, length, type });
    pos += 12 + length;
  }
  return chunks;
}

function withCrc(out, chunkPos, length) {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint32(chunkPos + 8 + length, crc32(out.subarray(chunkPos + 4, chunkPos + 8 + length)));
  return out;
}

export function mutatePng(bytes, rng) {
  const kind = rng.weighted([[4, 'png-header'], [3, 'png-chunk'], [4, 'bytes']]);
  const chunks = pngChunks(bytes);
  if (kind === 'png-header' && chunks[0]?.type === 'IHDR') {
    const out = Uint8Array.from(bytes);
    const view = new DataView(out.buffer);
    const at = chunks[0].pos + 8;
    const field = rng.pick(['width', 'height', 'both', 'bit depth', 'colour type', 'interlace', 'compression']);
    const dim = () => rng.pick([0, 1, 2 ** 31 - 1, 2 ** 32 - 1, 65535, 30000, 100_000]);
    let value;
    if (field === 'width' || field === 'both') view.setUint32(at, (value = dim()));
    if (field === 'height' || field === 'both') view.setUint32(at + 4, (value = dim()));
    if (field === 'bit depth') out[at + 8] = value = rng.pick([0, 3, 7, 32, 255]);
    if (field === 'colour type') out[at + 9] = value = rng.pick([1, 5, 7, 255]);
    if (field === 'compression') out[at + 10] = value = rng.pick([1, 255]);
    if (field === 'interlace') out[at + 11] = value = rng.pick([1, 2, 255]);
    return { mutation: kind, bytes: withCrc(out, chunks[0].pos, chunks[0].length), what: `IHDR ${field} → ${value} (CRC fixed)` };
  }
  if (kind === 'png-chunk' && chunks.length > 1) {
    const c = rng.pick(chunks);
    const op = rng.pick(['length', 'drop', 'duplicate', 'crc']);
    if (op === 'length') {
      const out = Uint8Array.from(bytes);
      const value = rng.pick([0, 2 ** 31 - 1, 2 ** 32 - 1, c.length + 1]);
      new DataView(out.buffer).setUint32(c.pos, value >>> 0);
      return { mutation: kind, bytes: out, what: `${c.type} length ${c.length} → ${value}` };
    }
    const chunkBytes = bytes.subarray(c.pos, c.pos + 12 + c.length);
    if (op === 'drop') return { mutation: kind, bytes: concat(bytes.subarray(0, c.pos), bytes.subarray(c.pos + 12 + c.length)), what: `${c.type} chunk dropped` };
    if (op === 'duplicate') return { mutation: kind, bytes: concat(bytes.subarray(0, c.pos), chunkBytes, chunkBytes, bytes.subarray(c.pos)), what: `${c.type} chunk duplicated` };
    const out = Uint8Array.from(bytes);
    out[c.pos + 8 + c.length] ^= 0xff;
    return { mutation: kind, bytes: out, what: `${c.type} CRC broken` };
  }
  return { mutation: 'bytes', ...anyByteMutation(bytes, rng) };
}
