/**
 * Structured mutations of a JSON document (a file header, metadata, a recipe, a log line): pick a
 * value by its path and replace it with a wrong type, a huge, negative, fractional or non-finite
 * number, a long string, terminal control characters, deep nesting, or drop / add keys. Returns the
 * new document as TEXT, because some of the hostile values (NaN, 100 000 levels of nesting) are
 * not something JSON.stringify writes.
 */

/** Every [path, value] in the document, the root included (path = array of keys/indices). */
export function allPaths(value, path = [], out = []) {
  out.push([path, value]);
  if (out.length > 20_000) return out;
  if (Array.isArray(value)) value.forEach((v, i) => allPaths(v, [...path, i], out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) allPaths(v, [...path, k], out);
  return out;
}

const RAW = (text) => ({ __raw: text });
const isRaw = (v) => v && typeof v === 'object' && typeof v.__raw === 'string' && Object.keys(v).length === 1;

const CONTROL = '\u001b[2J\u001b[31mred\u001b]0;title\u0007\r\u0008\u0000\u009b1m\u202e';

/** The replacement values, by class; each is [name, () => value]. */
function replacements(rng, old) {
  const long = (n) => 'A'.repeat(n);
  const nested = (depth) => RAW('['.repeat(depth) + ']'.repeat(depth));
  return rng.weighted([
    [3, ['wrong-type', () => rng.pick(['12', 0, true, null, [], {}, [old], { value: old }, 'null'])]],
    [3, ['huge-number', () => rng.pick([1e308, 2 ** 53 + 1, 2 ** 31, 2 ** 32, 1e9, 1e12, Number.MAX_SAFE_INTEGER, RAW('1e999')])]],
    [2, ['negative-number', () => rng.pick([-1, -(2 ** 31), -1e308, RAW('-0'), -0.5])]],
    [2, ['non-finite', () => RAW(rng.pick(['NaN', 'Infinity', '-Infinity', '1e400']))]],
    [2, ['zero-or-fraction', () => rng.pick([0, 0.5, 1.5, 1e-300, 3.14159])]],
    [2, ['off-by-one', () => (typeof old === 'number' ? old + rng.pick([1, -1]) : old)]],
    [1, ['long-string', () => long(rng.pick([1000, 100_000, 2_000_000]))]],
    [2, ['control-chars', () => (typeof old === 'string' ? old + CONTROL : CONTROL)]],
    [1, ['deep-nesting', () => nested(rng.pick([1000, 100_000]))]],
    [1, ['big-array', () => RAW(`[${Array.from({ length: rng.pick([1000, 200_000]) }, () => '1').join(',')}]`)]],
    [1, ['empty', () => rng.pick(['', [], {}])]],
  ]);
}

function setAt(root, path, value) {
  if (path.length === 0) return value;
  let parent = root;
  for (const k of path.slice(0, -1)) parent = parent[k];
  parent[path[path.length - 1]] = value;
  return root;
}

function deleteAt(root, path) {
  let parent = root;
  for (const k of path.slice(0, -1)) parent = parent[k];
  const key = path[path.length - 1];
  if (Array.isArray(parent)) parent.splice(key, 1);
  else delete parent[key];
  return root;
}

/** JSON text of a value that may hold RAW(...) fragments. */
export function stringifyWithRaw(value) {
  const fragments = [];
  const text = JSON.stringify(value, (_k, v) => {
    if (isRaw(v)) {
      fragments.push(v.__raw);
      return `\u0000RAW${fragments.length - 1}\u0000`;
    }
    return v;
  });
  return text.replace(/"\\u0000RAW(\d+)\\u0000"/g, (_m, i) => fragments[Number(i)]);
}

const describePath = (path) => (path.length ? path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('') : '(root)');

/**
 * Mutates one value of `doc` (a parsed JSON value, not modified). `focus(path)` may restrict which
 * paths are picked (e.g. only under "tensors"); it falls back to all paths when none match.
 * Returns `{ text, what }`.
 */
export function mutateJson(doc, rng, { focus } = {}) {
  const copy = structuredClone(doc);
  const paths = allPaths(copy);
  const focused = focus ? paths.filter(([p]) => focus(p)) : paths;
  const [path, old] = rng.pick(focused.length ? focused : paths);
  const op = rng.weighted([[8, 'replace'], [2, 'delete-key'], [1, 'add-key'], [1, 'duplicate-into-array']]);
  if (op === 'delete-key' && path.length > 0) {
    return { text: stringifyWithRaw(deleteAt(copy, path)), what: `deleted ${describePath(path)}` };
  }
  if (op === 'add-key' && old && typeof old === 'object' && !Array.isArray(old)) {
    old[rng.pick(['__proto__x', 'extra', 'constructor', ''])] = rng.pick([1, 'x', CONTROL, { deep: [1, 2] }]);
    return { text: stringifyWithRaw(copy), what: `added a key to ${describePath(path)}` };
  }
  if (op === 'duplicate-into-array' && Array.isArray(old) && old.length > 0) {
    const n = rng.pick([2, 100, 10_000]);
    old.push(...Array.from({ length: n }, () => old[0]));
    return { text: stringifyWithRaw(copy), what: `${describePath(path)} grew by ${n} copies of its first element` };
  }
  const [kind, make] = replacements(rng, old);
  const value = make();
  return { text: stringifyWithRaw(setAt(copy, path, value)), what: `${describePath(path)} → ${kind}` };
}

/** Text-level damage to JSON: cut it, break a bracket, inject a byte-order mark or a NUL. */
export function damageJsonText(text, rng) {
  const op = rng.pick(['cut', 'unbalance', 'bom', 'nul', 'trailing-garbage', 'duplicate-key']);
  const at = rng.int(text.length + 1);
  switch (op) {
    case 'cut':
      return { text: text.slice(0, at), what: `text cut at ${at} of ${text.length}` };
    case 'unbalance':
      return { text: text.replace(rng.pick(['{', '}', '[', ']', '"', ':']), ''), what: 'a bracket, quote or colon removed' };
    case 'bom':
      return { text: '\ufeff' + text, what: 'byte-order mark before the JSON' };
    case 'nul':
      return { text: text.slice(0, at) + '\u0000' + text.slice(at), what: `NUL inserted at ${at}` };
    case 'trailing-garbage':
      return { text: text + rng.pick(['x', '{}', '\u0000\u0000', ' ,']), what: 'garbage after the JSON' };
    default:
      return { text: text.replace(/^\{/, '{"format":"x","version":99,'), what: 'duplicate keys at the start of the object' };
  }
}

/** A JSON-lines file (the training log): a torn last line, one entry mutated, a garbage line. */
export function mutateJsonLines(text, rng) {
  const lines = text.split('\n').filter((l) => l.trim());
  const op = rng.weighted([[3, 'torn'], [4, 'entry'], [2, 'garbage-line'], [1, 'empty']]);
  if (op === 'torn') {
    const last = lines.length - 1;
    const cut = rng.int(lines[last].length);
    return { text: [...lines.slice(0, last), lines[last].slice(0, cut)].join('\n'), what: `last line torn after ${cut} characters`, mutation: 'torn-line' };
  }
  if (op === 'entry') {
    const i = rng.int(lines.length);
    const m = mutateJson(JSON.parse(lines[i]), rng);
    lines[i] = m.text.replace(/\n/g, ' ');
    return { text: lines.join('\n') + '\n', what: `line ${i + 1}: ${m.what}`, mutation: 'log-entry' };
  }
  if (op === 'garbage-line') {
    const i = rng.int(lines.length + 1);
    lines.splice(i, 0, rng.pick(['not json', '{"type":"train"', '\u0000\u0000\u0000', '[]', 'null', '{"step":"x"}']));
    return { text: lines.join('\n') + '\n', what: `garbage line inserted at ${i + 1}`, mutation: 'garbage-line' };
  }
  return { text: '', what: 'emptied', mutation: 'empty' };
}
