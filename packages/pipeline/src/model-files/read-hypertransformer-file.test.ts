import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isHypertxError } from '@hypertx/export';
import { resealed } from '@hypertx/export/testing';
import { bundledModelPath } from '../models.js';
import { inspectFile } from '../inspect.js';

describe('inspect of a crafted HyperTransformer file', () => {
  let work: string;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'hypertx-crafted-'));
  });
  after(() => rm(work, { recursive: true, force: true }));

  it('transformer.layers = 1e9 (once a hang) and an image of 10⁶×10⁶ are refused at once, naming file, field and range', async () => {
    const good = new Uint8Array(await readFile(bundledModelPath('default')!));
    const cases: Array<[string, (h: any) => void, RegExp]> = [
      ['layers.hxmodel', (h) => (h.config.transformer.layers = 1e9), /config\.transformer\.layers = 1000000000 is invalid: an integer in 1\.\.64/],
      ['image.hxmodel', (h) => (h.config.image.height = 1e6), /config\.image\.height = 1000000 is invalid: an integer in 1\.\.1024/],
    ];
    for (const [name, edit, pattern] of cases) {
      const file = join(work, name);
      await writeFile(file, resealed(good, edit));
      await assert.rejects(inspectFile(file), (err: unknown) => isHypertxError(err) && err.kind === 'input' && err.message.startsWith(`${file}: `) && pattern.test(err.message));
    }
  });
});
