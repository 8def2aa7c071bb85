import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHypertxError } from '@hypertx/export';
import type { ProgressEvent } from '../progress.js';
import { supportFixture } from '../test-support/paths.js';
import { evaluate } from './evaluate.js';

// Five classes of five glyphs each: a whole (tiny) test dataset, as an image-folder tree.
const TREE = supportFixture('glyphs-5way-5shot');

describe('evaluate on a separate test dataset', () => {
  it('uses an image-folder tree whole ("all" groups, the default for trees) and reports mean ± CI with progress', async () => {
    const events: ProgressEvent[] = [];
    const r = await evaluate({ data: TREE, episodes: 4, ways: 5, shots: 1, queries: 2, engine: 'reference', onProgress: (e) => events.push(e) });
    assert.equal(r.groups, 'all');
    assert.equal(r.classes, 5);
    assert.equal(r.episodes, 4);
    assert.equal(r.accuracies.length, 4);
    assert.ok(r.accuracy >= 0 && r.accuracy <= 1 && r.ci95 >= 0, `${r.accuracy} ± ${r.ci95}`);
    assert.deepEqual(
      events.filter((e) => e.type === 'progress').map((e) => (e.type === 'progress' ? e.done : 0)),
      [1, 2, 3, 4],
    );
    const again = await evaluate({ data: TREE, groups: 'all', episodes: 4, ways: 5, shots: 1, queries: 2, engine: 'reference' });
    assert.deepEqual(again.accuracies, r.accuracies, 'the same seed gives the same episodes');
  });

  it('refuses what it cannot do with a usage error naming the value', async () => {
    await assert.rejects(evaluate({ data: TREE, episodes: 0 }), (err: unknown) => isHypertxError(err) && err.kind === 'usage' && err.message.includes('episodes'));
    await assert.rejects(evaluate({ data: TREE, groups: ['Klingon'], episodes: 1 }), (err: unknown) => isHypertxError(err) && err.message.includes('Klingon'));
  });
});
