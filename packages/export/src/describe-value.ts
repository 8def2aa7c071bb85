/**
 * A short, safe rendering of a value read from a file, for error messages. `String()` and
 * `JSON.stringify` recurse without limit (100,000 nested arrays overflow the stack) and copy
 * strings whole (a 2 MB label becomes a 2 MB message); this looks two levels deep, at most a few
 * items and characters, and quotes strings as JSON does, with C1 controls and DEL escaped too
 * (JSON.stringify leaves them raw, and U+009B is a terminal's one-byte CSI).
 */
const MAX_ITEMS = 6;
const MAX_STRING = 60;
const MAX_LENGTH = 160;

export function describeValue(value: unknown): string {
  const text = describe(value, 0);
  return text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH - 1)}…` : text;
}

function quote(text: string): string {
  return JSON.stringify(text).replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function describe(value: unknown, depth: number): string {
  if (typeof value === 'string') {
    return value.length > MAX_STRING ? `${quote(value.slice(0, MAX_STRING))}… (${value.length} characters)` : quote(value);
  }
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || typeof value !== 'object') return String(value);
  if (Array.isArray(value)) {
    if (depth >= 2) return value.length === 0 ? '[]' : `[…${value.length}]`;
    const items = value.slice(0, MAX_ITEMS).map((v) => describe(v, depth + 1));
    if (value.length > MAX_ITEMS) items.push(`… ${value.length - MAX_ITEMS} more`);
    return `[${items.join(',')}]`;
  }
  const keys = Object.keys(value);
  if (depth >= 2) return keys.length === 0 ? '{}' : '{…}';
  const entries = keys.slice(0, MAX_ITEMS).map((k) => `${describe(k, depth + 1)}:${describe((value as Record<string, unknown>)[k], depth + 1)}`);
  if (keys.length > MAX_ITEMS) entries.push(`… ${keys.length - MAX_ITEMS} more`);
  return `{${entries.join(',')}}`;
}
