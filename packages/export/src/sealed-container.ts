/**
 * The checksum of hypertx's safetensors-style containers (`.hxcnn`, `.hxmodel`, `.hxckpt`):
 *
 *   u64 LE N | JSON header {"format":F,"version":V,"sha256":"<64 hex>",...} padded to 8 | data
 *
 * `sha256` is the SHA-256 of the WHOLE file as written with those 64 characters set to "0". The
 * field comes right after `format` and `version`, so it sits at a fixed offset and every other
 * byte — length, header, padding, tensor data, and anything appended — is covered: any change to
 * a file is found before a single value of it is believed.
 */
import { createHash } from 'node:crypto';

export const DIGEST_HEX_LENGTH = 64;
const PLACEHOLDER = new TextEncoder().encode('0'.repeat(DIGEST_HEX_LENGTH));

/** The exact first header characters of a sealed file of this format and version. */
export function sealedPrefix(format: string, version: number): string {
  return `{"format":${JSON.stringify(format)},"version":${JSON.stringify(version)},"sha256":"`;
}

/** The header object to stringify: `format`, `version` and the placeholder digest first, then `rest`. */
export function sealableHeader<T extends object>(format: string, version: number, rest: T): { format: string; version: number; sha256: string } & T {
  return { format, version, sha256: '0'.repeat(DIGEST_HEX_LENGTH), ...rest };
}

/** Assembles header length, space-padded header JSON and data, then writes the digest in place. */
export function assembleSealed(format: string, version: number, headerJson: string, data: Uint8Array[]): Uint8Array {
  const prefix = sealedPrefix(format, version);
  if (!headerJson.startsWith(prefix)) throw new Error(`header JSON must start with ${prefix}`); // a programming error, not bad input
  const encoder = new TextEncoder();
  let header = encoder.encode(headerJson);
  const padded = Math.ceil(header.length / 8) * 8;
  if (padded !== header.length) header = encoder.encode(headerJson + ' '.repeat(padded - header.length));
  const total = data.reduce((sum, d) => sum + d.byteLength, 8 + header.length);
  const out = new Uint8Array(total);
  new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
  out.set(header, 8);
  let pos = 8 + header.length;
  for (const d of data) {
    out.set(d, pos);
    pos += d.byteLength;
  }
  const at = 8 + encoder.encode(prefix).length;
  out.set(encoder.encode(digestOf(out, at)), at);
  return out;
}

/** SHA-256 (lowercase hex) of `bytes` with the digest field at `at` read as "0"s. */
function digestOf(bytes: Uint8Array, at: number): string {
  return createHash('sha256')
    .update(bytes.subarray(0, at))
    .update(PLACEHOLDER)
    .update(bytes.subarray(at + DIGEST_HEX_LENGTH))
    .digest('hex');
}

export type SealCheck =
  /** The file starts with the sealed prefix of this format and version and its digest matches. */
  | { status: 'intact' }
  /** Sealed prefix present, but the stored digest is malformed or differs from the content's. */
  | { status: 'mismatch'; stored: string; actual: string }
  /** The header does not start with the sealed prefix of this format and version. */
  | { status: 'unsealed' };

/** Checks the seal of `bytes` (a whole file) for `format` and `version`. */
export function checkSeal(bytes: Uint8Array, format: string, version: number): SealCheck {
  const prefix = new TextEncoder().encode(sealedPrefix(format, version));
  const at = 8 + prefix.length;
  if (bytes.length < at + DIGEST_HEX_LENGTH + 1) return { status: 'unsealed' };
  for (let i = 0; i < prefix.length; i++) if (bytes[8 + i] !== prefix[i]) return { status: 'unsealed' };
  const stored = String.fromCharCode(...bytes.subarray(at, at + DIGEST_HEX_LENGTH));
  const actual = digestOf(bytes, at);
  // Compared as bytes, so a case change or a non-hex character in the digest is a mismatch too.
  return stored === actual && bytes[at + DIGEST_HEX_LENGTH] === 0x22 /* '"' */ ? { status: 'intact' } : { status: 'mismatch', stored, actual };
}

/**
 * Why the tensors do not tile the data section exactly (gaps, overlaps, bytes after the last one),
 * or undefined when they do: a file hypertx writes has no byte that no tensor claims.
 */
export function tilingProblem(spans: { name: string; begin: number; end: number }[], dataLength: number): string | undefined {
  const sorted = [...spans].sort((a, b) => a.begin - b.begin);
  let pos = 0;
  for (const s of sorted) {
    if (s.begin !== pos) return s.begin > pos ? `data bytes ${pos}..${s.begin} belong to no tensor` : `tensor "${s.name}" overlaps the tensor before it`;
    pos = s.end;
  }
  return pos === dataLength ? undefined : pos < dataLength ? `${dataLength - pos} bytes after the last tensor belong to no tensor` : `the tensors need ${pos} data bytes, the file has ${dataLength}`;
}
