// The lineage syntax of the results tools: <run dir>[@<episodes before it>][:<last step>].
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parseSegment, readSegment } from '../../tools/results/lineage.mjs';

test('parseSegment reads the directory, the offset and the last step', () => {
  assert.deepEqual(parseSegment('runs/a'), { dir: 'runs/a', offset: 0, lastStep: Infinity });
  assert.deepEqual(parseSegment('runs/a@64000'), { dir: 'runs/a', offset: 64000, lastStep: Infinity });
  assert.deepEqual(parseSegment('runs/a@64000:2100'), { dir: 'runs/a', offset: 64000, lastStep: 2100 });
  assert.deepEqual(parseSegment('/w/r-1:300'), { dir: '/w/r-1', offset: 0, lastStep: 300 });
});

test('readSegment drops log entries past the last step and counts episodes from the offset', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hypertx-lineage-'));
  try {
    await writeFile(path.join(dir, 'recipe.json'), JSON.stringify({ episodes: { perStep: 16 }, schedule: {} }));
    const entries = [100, 200, 300].map((step) => JSON.stringify({ type: 'validation', step, mean: 0.9 }));
    await writeFile(path.join(dir, 'log.jsonl'), `${entries.join('\n')}\n`);
    const { log, episodesAt } = await readSegment(`${dir}@1000:200`);
    assert.deepEqual(log.map((e) => e.step), [100, 200]);
    assert.equal(episodesAt(200), 1000 + 200 * 16);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
