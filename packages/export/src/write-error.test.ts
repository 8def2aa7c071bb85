import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileWriteError } from './write-error.js';

const errno = (code: string) => Object.assign(new Error(`${code}: something, open '/x'`), { code });

test('a full disk, a quota, a read-only file system and a denied write are input errors naming the path, each with its own hint', () => {
  const cases: [code: string, says: RegExp, hint: RegExp][] = [
    ['ENOSPC', /no space left on the device \(ENOSPC\)/, /Free some space/],
    ['EDQUOT', /disk quota is exceeded \(EDQUOT\)/, /quota/],
    ['EROFS', /read-only \(EROFS\)/, /mount it read-write/],
    ['EACCES', /permission denied \(EACCES\)/, /permissions/],
  ];
  for (const [code, says, hint] of cases) {
    const err = fileWriteError('out/m.onnx', errno(code));
    assert.equal(err.kind, 'input', code);
    assert.equal(err.path, 'out/m.onnx');
    assert.match(err.message, /^can't write out\/m\.onnx: /);
    assert.match(err.message, says);
    assert.match(err.hint ?? '', hint);
  }
  assert.doesNotMatch(fileWriteError('m.onnx', errno('ENOSPC')).hint ?? '', /permission/i, 'no permissions hint on a full disk');
});

test('an unknown errno is still the environment (input), an error without one is ours (internal)', () => {
  assert.equal(fileWriteError('m.onnx', errno('EWHATEVER')).kind, 'input');
  assert.equal(fileWriteError('m.onnx', new TypeError('bug')).kind, 'internal');
});
