/**
 * Text that came from a file, a folder name, the network or a user, made safe to print for people:
 * control characters (C0, DEL, C1) and bidirectional-formatting characters are shown as visible
 * escapes instead of being obeyed, so an untrusted label cannot set the window title, clear the
 * screen, reorder what is shown, or split one result line into two. `--json` output keeps every value
 * exact: `jsonText` writes the characters JSON.stringify leaves raw (DEL, C1, bidi) as `\uXXXX`
 * escapes, which parse back to the same string.
 */

// C0 controls, DEL and C1 controls; the Arabic letter mark, LRM/RLM, the line and paragraph
// separators, the embeddings and overrides (U+202A–E) and the isolates (U+2066–9).
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escape(c: string): string {
  return SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** One field for a line of output: every control and bidi character escaped (`\x1b` → `\u001b`, newline → `\n`). */
export function forTerminal(text: string): string {
  return text.replace(UNSAFE, escape);
}

/** Several lines of text (e.g. commander's messages and help): as `forTerminal`, but newlines are kept. */
export function forTerminalLines(text: string): string {
  return text.replace(UNSAFE_BUT_NEWLINE, escape);
}

/** A copy of plain data (objects, arrays) with every string, keys included, passed through `forTerminal`. */
export function forTerminalDeep<T>(value: T): T {
  if (typeof value === 'string') return forTerminal(value) as T;
  if (Array.isArray(value)) return value.map(forTerminalDeep) as T;
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [forTerminal(k), forTerminalDeep(v)])) as T;
  }
  return value;
}

// What JSON.stringify leaves raw but a terminal obeys (U+009B is a one-byte CSI) or reorders.
const RAW_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** `JSON.stringify`, with DEL, C1 and bidi characters escaped too: the same JSON value, safe on a terminal. */
export function jsonText(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(RAW_IN_JSON, escape);
}
