import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { HypertxError } from './errors.js';
import { INPUT_FILE_LIMITS, formatBytes, pendingStalledReads, readAllWithin, readInputFile, type ChunkReader } from './input-file.js';

const dir = mkdtempSync(join(tmpdir(), 'hx-input-file-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Asserts an input error with `code` whose message includes every one of `parts`. */
function inputError(code: string, ...parts: string[]) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof HypertxError, String(err));
    assert.equal(err.code, code, err.message);
    assert.equal(err.kind, 'input');
    for (const part of parts) assert.ok(err.message.includes(part), `${JSON.stringify(part)} not in: ${err.message}`);
    return true;
  };
}

test('a regular file is read whole', async () => {
  const file = join(dir, 'ok.bin');
  const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251));
  writeFileSync(file, bytes);
  assert.deepEqual(await readInputFile(file, 'image'), bytes);
  writeFileSync(join(dir, 'empty.bin'), '');
  assert.equal((await readInputFile(join(dir, 'empty.bin'), 'image')).length, 0);
});

test('a file the size of the limit is read; one byte more is refused with both sizes named', async () => {
  const file = join(dir, 'limit.png');
  writeFileSync(file, Buffer.alloc(1000));
  assert.equal((await readInputFile(file, 'image', { maxBytes: 1000 })).length, 1000);
  writeFileSync(file, Buffer.alloc(1001));
  await assert.rejects(readInputFile(file, 'image', { maxBytes: 1000 }), inputError('E_FILE_TOO_LARGE', file, '1001 bytes', '1000 bytes'));
});

test('a link to /dev/zero or /dev/urandom is refused as a character device, naming the link and its target', async () => {
  for (const device of ['/dev/zero', '/dev/urandom']) {
    const link = join(dir, `${device.slice(5)}.png`);
    symlinkSync(device, link);
    await assert.rejects(readInputFile(link, 'image'), inputError('E_NOT_A_FILE', link, 'character device', device));
  }
});

test('a FIFO is refused without waiting for a writer', async () => {
  const fifo = join(dir, 'x.png');
  execFileSync('mkfifo', [fifo]);
  await assert.rejects(readInputFile(fifo, 'image'), inputError('E_NOT_A_FILE', fifo, 'FIFO'));
  await assert.rejects(readInputFile(fifo, 'model'), inputError('E_NOT_A_FILE', 'model file', fifo));
});

test('a folder is refused; a missing file is not found, with a caller’s own codes where given', async () => {
  mkdirSync(join(dir, 'folder.hxmodel'));
  await assert.rejects(readInputFile(join(dir, 'folder.hxmodel'), 'model'), inputError('E_NOT_A_FILE', 'folder.hxmodel', 'folder'));
  await assert.rejects(readInputFile(join(dir, 'nope.png'), 'image'), inputError('E_NOT_FOUND', 'image not found', 'nope.png'));
  await assert.rejects(readInputFile(join(dir, 'nope.hxcnn'), 'compiled-model', { codes: { notFound: 'E_FILE_NOT_FOUND' } }), inputError('E_FILE_NOT_FOUND', 'nope.hxcnn'));
});

test('a read that never returns times out naming the file, and counts as stalled until it returns', async () => {
  let finish: (n: { bytesRead: number }) => void = () => undefined;
  const stalling: ChunkReader = { read: () => new Promise((resolve) => (finish = resolve)) };
  const before = pendingStalledReads();
  await assert.rejects(readAllWithin(stalling, 10, { path: '/mnt/nfs/a.png', what: 'image', maxBytes: 100, timeoutMs: 20 }), inputError('E_READ_TIMEOUT', '/mnt/nfs/a.png', 'no progress'));
  assert.equal(pendingStalledReads(), before + 1);
  finish({ bytesRead: 0 });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(pendingStalledReads(), before);
});

test('a file that grows past the limit while being read is refused (fstat said it was small)', async () => {
  // A reader that always has more: what /dev/zero would be if it passed for a small regular file.
  const endless: ChunkReader = { read: async (buffer, offset, length) => ({ bytesRead: buffer.fill(0, offset, offset + length) && length }) };
  await assert.rejects(readAllWithin(endless, 0, { path: 'grows.png', what: 'image', maxBytes: 10 * 1024 * 1024, timeoutMs: 1000 }), inputError('E_FILE_TOO_LARGE', 'grows.png', '10 MiB'));
});

test('limits and sizes read well', () => {
  assert.equal(formatBytes(5 * 1024 ** 3), '5.0 GiB');
  assert.equal(formatBytes(INPUT_FILE_LIMITS.image), '256 MiB');
  assert.equal(formatBytes(999), '999 bytes');
});
