/** Reads the file list and small files of an npm tarball (gzip + ustar), without extracting it. */
import { gunzipSync } from 'node:zlib';

/** @returns {Map<string, Buffer>} path (with npm's "package/" prefix removed) → contents */
export function tarballFiles(gzBytes) {
  const tar = gunzipSync(gzBytes);
  const files = new Map();
  let paxPath;
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break; // end-of-archive blocks
    const field = (start, length) => header.subarray(start, start + length).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1);
    const prefix = field(345, 155);
    const name = paxPath ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    const body = tar.subarray(offset + 512, offset + 512 + size);
    paxPath = undefined;
    if (type === 'x') {
      // A pax header: "<len> path=<name>\n" records apply to the next entry.
      const m = /\d+ path=([^\n]*)\n/.exec(body.toString('utf8'));
      if (m) paxPath = m[1];
    } else if (type === '0' || type === '') {
      files.set(name.replace(/^package\//, ''), Buffer.from(body));
    }
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}
