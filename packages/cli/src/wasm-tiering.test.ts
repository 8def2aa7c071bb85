import assert from 'node:assert/strict';
import { it } from 'node:test';
import { commandOf, useBaselineWasmFor } from './wasm-tiering.js';

it('commandOf finds the command after leading options', () => {
  assert.equal(commandOf(['compile', 'dir', '--json']), 'compile');
  assert.equal(commandOf(['--quiet', 'inspect', 'x.onnx']), 'inspect');
  assert.equal(commandOf(['--version']), undefined);
});

it('only the short commands switch to the baseline wasm tier; train and eval keep TurboFan', () => {
  for (const command of ['train', 'eval', 'frobnicate']) assert.equal(useBaselineWasmFor([command]), false, command);
  assert.equal(useBaselineWasmFor([]), false);
  assert.equal(useBaselineWasmFor(['verify', 'x.onnx']), true);
});
