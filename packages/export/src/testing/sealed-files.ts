/**
 * Crafting container files for tests: edit the header of a sealed file (.hxcnn, .hxmodel,
 * .hxckpt) and seal it again, as someone who knows the format could, so that the checks behind
 * the checksum are what a test exercises.
 */
import { assembleSealed } from '../sealed-container.js';

/** The parsed JSON header and the data section of a container file. */
export function splitContainer(bytes: Uint8Array): { header: any; data: Uint8Array } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true));
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))), data: bytes.subarray(8 + n) };
}

/**
 * Re-seals `bytes` after `edit` changed its header (and `data`, when given, replaced its data
 * section). `format` and `version` stay first; a header whose `format` or `version` the edit
 * changed is written with that prefix and a fresh checksum.
 */
export function resealed(bytes: Uint8Array, edit: (header: any) => void, data?: Uint8Array): Uint8Array {
  const split = splitContainer(bytes);
  const header = split.header;
  edit(header);
  const { format, version, sha256: _digest, ...rest } = header;
  const json = JSON.stringify({ format, version, sha256: '0'.repeat(64), ...rest });
  return assembleSealed(format, version, json, [data ?? split.data]);
}

/** A container with `header` written as is (no checksum field added): what an older hypertx wrote. */
export function unsealed(header: object, data: Uint8Array): Uint8Array {
  let json = JSON.stringify(header);
  while ((8 + Buffer.byteLength(json)) % 8 !== 0) json += ' ';
  const h = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}
