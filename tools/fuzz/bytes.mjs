/**
 * Format-blind mutations of a file's bytes: truncations, bit flips, interesting byte values,
 * chunk deletion/duplication/insertion, and overwrites of aligned 32-bit words with values that
 * break lengths and offsets (0, -1, 2^31, the file size, ±4). Each returns `{ bytes, what }`,
 * `what` a short description kept with the case.
 */

const INTERESTING_BYTES = [0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe, 0x20, 0x0a, 0x1b];

/** Cuts the file at a random length, biased to the very start and to near the end. */
export function truncate(bytes, rng, { within } = {}) {
  const [lo, hi] = within ?? [0, bytes.length];
  const cut = rng.weighted([
    [1, 0],
    [2, Math.min(bytes.length, rng.range(1, 16))],
    [3, rng.range(lo, Math.max(lo, hi - 1))],
    [2, Math.max(0, bytes.length - rng.range(1, 16))],
  ]);
  return { bytes: bytes.subarray(0, cut), what: `truncated to ${cut} of ${bytes.length} bytes` };
}

export function flipBits(bytes, rng, { within } = {}) {
  const out = Uint8Array.from(bytes);
  if (out.length === 0) return { bytes: out, what: 'empty file' };
  const [lo, hi] = within ?? [0, out.length];
  const n = rng.weighted([[4, 1], [2, rng.range(2, 8)], [1, rng.range(9, 64)]]);
  const at = [];
  for (let i = 0; i < n; i++) {
    const pos = Math.min(out.length - 1, rng.range(lo, Math.max(lo, hi - 1)));
    out[pos] ^= 1 << rng.int(8);
    at.push(pos);
  }
  return { bytes: out, what: `${n} bit flip${n > 1 ? 's' : ''} at ${at.slice(0, 8).join(',')}${n > 8 ? ',…' : ''}` };
}

export function setBytes(bytes, rng, { within } = {}) {
  const out = Uint8Array.from(bytes);
  if (out.length === 0) return { bytes: out, what: 'empty file' };
  const [lo, hi] = within ?? [0, out.length];
  const pos = Math.min(out.length - 1, rng.range(lo, Math.max(lo, hi - 1)));
  const len = Math.min(out.length - pos, rng.weighted([[3, 1], [2, rng.range(2, 8)], [1, rng.range(9, 256)]]));
  const value = rng.pick(INTERESTING_BYTES);
  const random = rng.chance(0.3);
  for (let i = 0; i < len; i++) out[pos + i] = random ? rng.int(256) : value;
  return { bytes: out, what: `${len} byte${len > 1 ? 's' : ''} at ${pos} set to ${random ? 'random values' : `0x${value.toString(16)}`}` };
}

/** Deletes, duplicates or inserts a chunk: everything after it shifts (breaks absolute offsets). */
export function chunk(bytes, rng) {
  const pos = rng.int(bytes.length + 1);
  const len = Math.min(bytes.length - pos, rng.weighted([[3, rng.range(1, 8)], [2, rng.range(9, 512)], [1, rng.range(513, 65536)]]));
  const op = rng.pick(['delete', 'duplicate', 'insert']);
  const before = bytes.subarray(0, pos);
  const after = bytes.subarray(op === 'delete' ? pos + len : pos);
  const middle = op === 'duplicate' ? bytes.subarray(pos, pos + len) : op === 'insert' ? Uint8Array.from({ length: len }, () => rng.int(256)) : new Uint8Array(0);
  return { bytes: concat(before, middle, after), what: `${op}d ${len} bytes at ${pos}` };
}

const WORD_VALUES = (size, word) => [0, 0xffffffff, 0x7fffffff, 0x80000000, size, size + 1, word + 4, word - 4, word * 2, 1];

/** Overwrites an aligned little-endian 32-bit word (the flatbuffer offsets and lengths, mostly). */
export function setWord(bytes, rng, { within } = {}) {
  const out = Uint8Array.from(bytes);
  if (out.length < 4) return truncate(bytes, rng);
  const view = new DataView(out.buffer);
  const [lo, hi] = within ?? [0, out.length];
  const pos = Math.min(out.length - 4, rng.range(lo, Math.max(lo, hi - 4))) & ~3;
  const word = view.getUint32(pos, true);
  const value = rng.pick(WORD_VALUES(out.length, word)) >>> 0;
  view.setUint32(pos, value, true);
  return { bytes: out, what: `u32 at ${pos} ${word} → ${value}` };
}

export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** One format-blind mutation, chosen at random. */
export function anyByteMutation(bytes, rng, options = {}) {
  const m = rng.weighted([
    [3, truncate],
    [4, flipBits],
    [2, setBytes],
    [2, chunk],
    [2, setWord],
  ]);
  return m(bytes, rng, options);
}
