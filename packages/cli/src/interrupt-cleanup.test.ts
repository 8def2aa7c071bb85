import assert from 'node:assert/strict';
import { it } from 'node:test';
import { cleanUpOnInterrupt, interruptMessage } from './interrupt-cleanup.js';

it('says whether the files were written when the signal came', () => {
  assert.match(interruptMessage('SIGINT', false), /^interrupted \(SIGINT\): no file was written; files that were there before are unchanged$/);
  assert.equal(interruptMessage('SIGTERM', true), 'interrupted (SIGTERM) after all files were written');
});

it('handles SIGINT and SIGTERM while installed, and not after', () => {
  const before = ['SIGINT', 'SIGTERM'].map((s) => process.listenerCount(s));
  const stop = cleanUpOnInterrupt(() => false);
  assert.deepEqual(['SIGINT', 'SIGTERM'].map((s) => process.listenerCount(s)), before.map((n) => n + 1));
  stop();
  assert.deepEqual(['SIGINT', 'SIGTERM'].map((s) => process.listenerCount(s)), before);
});
