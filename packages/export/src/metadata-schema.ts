/**
 * Reading the `hypertx` metadata back from a file: a JSON Schema for what `hypertxMetadata` writes,
 * checked with ajv, so a wrongly typed entry in an untrusted file is a clear input error naming the
 * file and the field rather than a crash further on.
 *
 * Unknown keys are reported as warnings, not rejected: the `format` number is the compatibility gate
 * (a later version may add optional keys without bumping it, and such files must still read here).
 */
import { describeValue } from './describe-value.js';
import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { HypertxError } from './errors.js';
import { HYPERTX_METADATA_FORMAT, type HypertxMetadata } from './metadata.js';

/** The largest height, width or channel count accepted (keeps buffer sizes computed from them sane). */
const MAX_DIMENSION = 65535;

/** Unknown keys reported (a hostile file could hold thousands). */
const MAX_UNKNOWN_KEYS = 20;

const dimension = { type: 'integer', minimum: 1, maximum: MAX_DIMENSION } as const;
const numbers = { type: 'array', minItems: 1, items: { type: 'number' } } as const;

/** JSON Schema (draft-07) of `HypertxMetadata`. */
export const HYPERTX_METADATA_SCHEMA = {
  type: 'object',
  required: ['format', 'producer', 'version', 'labels', 'input'],
  properties: {
    format: { type: 'integer', minimum: 1 },
    producer: { type: 'string' },
    version: { type: 'string' },
    labels: { type: 'array', minItems: 1, items: { type: 'string' } },
    input: {
      type: 'object',
      required: ['height', 'width', 'channels', 'normalization'],
      properties: {
        height: dimension,
        width: dimension,
        channels: dimension,
        normalization: {
          type: 'object',
          required: ['scale', 'offset'],
          properties: { scale: numbers, offset: numbers, description: { type: 'string' } },
        },
      },
    },
    modelId: { type: 'string' },
    supportSetHash: { type: 'string' },
    extra: { type: 'object', additionalProperties: { type: 'string' } },
  },
} as const;

export interface ParsedHypertxMetadata {
  metadata: HypertxMetadata;
  /** Keys this version does not know (e.g. a misspelling, or a newer writer's addition), as field paths; the first 20. */
  unknownKeys: string[];
}

/**
 * Parses and checks the `hypertx` metadata text of `file`. Throws an input error (E_METADATA_INVALID)
 * naming the file and the field when it is not JSON or does not match the schema, and
 * E_METADATA_VERSION when a newer hypertx wrote it.
 */
export function parseHypertxMetadata(text: string, file: string): ParsedHypertxMetadata {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw invalidMetadata(file, `is not valid JSON (${(err as Error).message})`, err);
  }
  const unknownKeys = isObject(value) ? unknownKeysOf(HYPERTX_METADATA_SCHEMA, value, '').slice(0, MAX_UNKNOWN_KEYS) : [];
  if (isObject(value) && Number.isInteger(value['format']) && (value['format'] as number) > HYPERTX_METADATA_FORMAT) {
    throw new HypertxError('E_METADATA_VERSION', `${file}: the "hypertx" metadata is format ${value['format'] as number}, written by a newer hypertx; this build reads format ${HYPERTX_METADATA_FORMAT}`, {
      kind: 'input',
      path: file,
      hint: 'Upgrade hypertx (@hypertx/export) to read this file.',
    });
  }
  const validate = validator();
  if (!validate(value)) throw invalidMetadata(file, describe(validate.errors?.[0], value, unknownKeys));
  const metadata = value as unknown as HypertxMetadata;
  const { channels, normalization } = metadata.input;
  for (const field of ['scale', 'offset'] as const) {
    const n = normalization[field].length;
    if (n !== channels) {
      throw invalidMetadata(file, `field input.normalization.${field} has ${n} values, but input.channels is ${channels}; it needs one per channel`);
    }
  }
  return { metadata, unknownKeys };
}

function invalidMetadata(file: string, problem: string, cause?: unknown): HypertxError {
  return new HypertxError('E_METADATA_INVALID', `${file}: the "hypertx" metadata ${problem}`, {
    kind: 'input',
    path: file,
    hint: 'The file is damaged or was not written by hypertx; compile the support set again to get a good one.',
    ...(cause !== undefined ? { cause } : {}),
  });
}

/** One ajv error in words: the field as a dotted path, what it must be, and what it is. */
function describe(error: ErrorObject | undefined, value: unknown, unknownKeys: string[]): string {
  if (!error) return 'does not match its schema';
  const at = fieldPath(error.instancePath);
  if (error.keyword === 'required') {
    const field = [at, (error.params as { missingProperty: string }).missingProperty].filter(Boolean).join('.');
    const unknown = unknownKeys.length > 0 ? ` (it has unknown field${unknownKeys.length === 1 ? '' : 's'} ${unknownKeys.join(', ')})` : '';
    return `has no field ${field}${unknown}`;
  }
  if (at === '') return `must be a JSON object, not ${preview(value)}`;
  const field = `field ${at}`;
  const found = `, not ${preview(valueAt(value, error.instancePath))}`;
  switch (error.keyword) {
    case 'type':
      return `${field} must be ${withArticle(String((error.params as { type: string }).type))}${found}`;
    case 'minimum':
    case 'maximum':
      return `${field} must be ${error.keyword === 'minimum' ? '≥' : '≤'} ${(error.params as { limit: number }).limit}${found}`;
    case 'minItems':
      return `${field} must not be empty`;
    default:
      return `${field} ${error.message ?? 'is invalid'}${found}`;
  }
}

/** A JSON pointer as the field names people read: `/labels/1` → `labels[1]`. */
function fieldPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map(unescapePointer)
    .reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '');
}

function unescapePointer(part: string): string {
  return part.replaceAll('~1', '/').replaceAll('~0', '~');
}

function withArticle(type: string): string {
  return `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
}

function valueAt(value: unknown, pointer: string): unknown {
  let at = value;
  for (const part of pointer.split('/').slice(1)) {
    at = isObject(at) || Array.isArray(at) ? (at as Record<string, unknown>)[unescapePointer(part)] : undefined;
  }
  return at;
}

/** The value as JSON, cut short: enough to recognise it in a message. */
function preview(value: unknown): string {
  return describeValue(value); // bounded: a file's value may be 100,000 arrays deep or megabytes long
}

interface SchemaNode {
  type?: unknown;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: unknown;
}

/** Keys of `value` that the schema does not name, as dotted paths (free-form maps such as `extra` excepted). */
function unknownKeysOf(schema: SchemaNode, value: Record<string, unknown>, prefix: string): string[] {
  if (!schema.properties || schema.additionalProperties !== undefined) return [];
  const found: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    const childSchema = schema.properties[key];
    if (!childSchema) found.push(`${prefix}${key}`);
    else if (isObject(child)) found.push(...unknownKeysOf(childSchema, child, `${prefix}${key}.`));
  }
  return found;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

let compiled: ValidateFunction | undefined;

/** ajv is loaded on the first metadata read, not when @hypertx/export is imported (CLI start-up time). */
function validator(): ValidateFunction {
  if (!compiled) {
    const require = createRequire(import.meta.url);
    const { Ajv } = require('ajv') as typeof import('ajv');
    // strictNumbers: a JSON number too large for a double parses as Infinity and must not pass as a number.
    compiled = new Ajv({ strictNumbers: true, allErrors: false }).compile(HYPERTX_METADATA_SCHEMA);
  }
  return compiled;
}
