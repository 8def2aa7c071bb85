/**
 * Ajv's errors in words a person can act on: each names the field by its JSON path
 * (`episodes.ways[1]`), shows the value, and says what is allowed; a misspelt key gets a
 * "did you mean". Errors at one field are merged into one line.
 */
import { describeValue } from '@hypertx/export';
import type { ErrorObject } from 'ajv';
import { closestWord } from '../closest-word.js';

/** `/episodes/ways/1` → `episodes.ways[1]` (the top level is ''). */
export function jsonPath(instancePath: string): string {
  let out = '';
  for (const raw of instancePath.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(part) ? `[${part}]` : /^[A-Za-z_$][\w$]*$/.test(part) ? `${out ? '.' : ''}${part}` : `[${JSON.stringify(part)}]`;
  }
  return out;
}

/** A value as it appears in JSON, except that numbers JSON cannot hold (Infinity, NaN) show as such. */
export function showValue(value: unknown): string {
  return describeValue(value); // bounded: a recipe's value may be nested 100,000 deep or megabytes long
}

/** One line per field at fault, in the order Ajv found them. */
export function schemaProblems(errors: readonly ErrorObject[]): string[] {
  const byField = new Map<string, { value: unknown; wants: string[] }>();
  const add = (path: string, value: unknown, want: string) => {
    const entry = byField.get(path) ?? { value, wants: [] };
    if (!entry.wants.includes(want)) entry.wants.push(want);
    byField.set(path, entry);
  };
  const missing = new Map<string, string[]>();
  const unknown: string[] = [];
  for (const e of errors) {
    const at = jsonPath(e.instancePath);
    const p = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'if':
        break; // the failing branch reports its own errors
      case 'required': {
        const list = missing.get(at) ?? [];
        list.push(String(p['missingProperty']));
        missing.set(at, list);
        break;
      }
      case 'additionalProperties':
        unknown.push(unknownKey(at, String(p['additionalProperty']), e.parentSchema));
        break;
      default:
        add(at, e.data, want(e));
    }
  }
  const lines: string[] = [];
  for (const [at, names] of missing) {
    const fields = names.map((n) => (at ? `${at}.${n}` : n));
    lines.push(`${fields.join(', ')} ${fields.length > 1 ? 'are' : 'is'} missing`);
  }
  lines.push(...unknown);
  for (const [at, { value, wants }] of byField) lines.push(`${at || 'the recipe'} is ${showValue(value)}; it must be ${wants.join(' and ')}`);
  return lines;
}

function unknownKey(at: string, key: string, parentSchema: unknown): string {
  const field = at ? `${at}.${key}` : key;
  const known = Object.keys((parentSchema as { properties?: object } | undefined)?.properties ?? {}).filter((k) => k !== '$schema');
  const guess = closestWord(key, known);
  return `${field} is not a known field${guess ? ` (did you mean "${guess}"?)` : ''}; ${at || 'the recipe'} takes ${known.join(', ')}`;
}

const TYPE_WORDS: Record<string, string> = {
  integer: 'a whole number',
  number: 'a finite number',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

/** What the failed keyword asks for, completing "it must be ...". */
function want(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'type':
      return String(p['type'])
        .split(',')
        .map((t) => TYPE_WORDS[t] ?? t)
        .join(' or ');
    case 'enum': {
      const allowed = p['allowedValues'] as unknown[];
      const words = allowed.filter((v): v is string => typeof v === 'string');
      const guess = typeof e.data === 'string' ? closestWord(e.data, words) : undefined;
      return `one of ${allowed.map(showValue).join(', ')}${guess ? ` (did you mean "${guess}"?)` : ''}`;
    }
    case 'const':
      return showValue(p['allowedValue']);
    case 'minimum':
      return `≥ ${String(p['limit'])}`;
    case 'maximum':
      return `≤ ${String(p['limit'])}`;
    case 'exclusiveMinimum':
      return `> ${String(p['limit'])}`;
    case 'exclusiveMaximum':
      return `< ${String(p['limit'])}`;
    case 'minItems':
      return `an array of at least ${String(p['limit'])} items`;
    case 'maxItems':
      return `an array of at most ${String(p['limit'])} items`;
    case 'minLength':
      return p['limit'] === 1 ? 'a non-empty string' : `at least ${String(p['limit'])} characters long`;
    case 'maxLength':
      return `at most ${String(p['limit'])} characters long`;
    case 'uniqueItems':
      return `without repeats (items ${String(p['j'])} and ${String(p['i'])} are the same)`;
    default:
      return e.message ?? e.keyword;
  }
}
