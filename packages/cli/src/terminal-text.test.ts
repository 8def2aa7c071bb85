import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forTerminal, forTerminalDeep, forTerminalLines, jsonText } from './terminal-text.js';

/** Every character a terminal obeys rather than shows, or that reorders or breaks a line. */
const UNSAFE_CHARACTERS = [
  ...Array.from({ length: 0x20 }, (_, i) => i),
  ...Array.from({ length: 0x21 }, (_, i) => 0x7f + i),
  0x061c, 0x200e, 0x200f, 0x2028, 0x2029, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069,
].map((c) => String.fromCharCode(c));

describe('forTerminal', () => {
  it('escapes every C0 and C1 control character, DEL and bidi formatting character visibly', () => {
    for (const c of UNSAFE_CHARACTERS) {
      const shown = forTerminal(`a${c}b`);
      assert.match(shown, /^a\\(u[0-9a-f]{4}|[nrt])b$/, `U+${c.charCodeAt(0).toString(16)} → ${shown}`);
    }
  });

  it('shows the escape sequences of a hostile label as text', () => {
    assert.equal(forTerminal('\x1b]0;pwned\x07\x1b[2Jcat'), '\\u001b]0;pwned\\u0007\\u001b[2Jcat');
    assert.equal(forTerminal('two\nlines\r\tand\0nul'), 'two\\nlines\\r\\tand\\u0000nul');
    assert.equal(forTerminal('\u202egnp.exe'), '\\u202egnp.exe');
  });

  it('leaves printable text alone, non-ASCII letters and emoji included', () => {
    const text = 'héllo ✓ 字 🙂 C:\\models\\a b/c "q" [1,28,28,1]';
    assert.equal(forTerminal(text), text);
  });
});

describe('forTerminalLines', () => {
  it('keeps newlines and escapes the rest', () => {
    assert.equal(forTerminalLines("error: unknown option '\x1b[31m'\n(run with --help)\n"), "error: unknown option '\\u001b[31m'\n(run with --help)\n");
  });
});

describe('forTerminalDeep', () => {
  it('escapes every string of plain data, keys included, and keeps numbers, booleans and null', () => {
    const value = { path: 'a\x1bb', n: 3, ok: true, none: null, labels: ['x\ny'], nested: { 'k\x07': 'v\x9b' } };
    assert.deepEqual(forTerminalDeep(value), { path: 'a\\u001bb', n: 3, ok: true, none: null, labels: ['x\\ny'], nested: { 'k\\u0007': 'v\\u009b' } });
    assert.equal(value.path, 'a\x1bb', 'the original is not changed');
  });
});

it('jsonText: the same JSON value, with DEL, C1 and bidi characters escaped instead of raw', () => {
  const value = { label: 'a\u009b2Jb\u007f\u202e\u0085', nested: ['\u001b]0;title\u0007', 3], 'key\u009b': true };
  const text = jsonText(value, 2);
  assert.deepEqual(JSON.parse(text), value);
  assert.doesNotMatch(text, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
  assert.match(text, /\\u009b2Jb\\u007f\\u202e\\u0085/);
});
