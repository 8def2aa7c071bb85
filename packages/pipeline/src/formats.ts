/**
 * The output formats: every format plugin registers itself in @hypertx/export's registry when its
 * package's `register` module is imported (light modules: each plugin loads its writer and runtime on
 * first use). Format lists, file names and display names all come from that registry.
 */
import '@hypertx/export-onnx/register';
import '@hypertx/export-tflite/register';
import { defaultFormatRegistry, HypertxError, type FormatPlugin } from '@hypertx/export';
import { closestWord } from './closest-word.js';

/** What compile writes when neither formats nor an output file name say otherwise. */
export const DEFAULT_FORMATS: readonly string[] = Object.freeze(['onnx', 'tflite']);

/** Ids of every registered format, deployable formats first. */
export function formatIds(): string[] {
  return defaultFormatRegistry.list().map((p) => p.id);
}

/** The plugin of a format id; an unknown id is a usage error that lists the known ones and the closest. */
export function formatPlugin(id: string): FormatPlugin {
  if (!defaultFormatRegistry.has(id)) throw unknownFormat(id, 'format');
  return defaultFormatRegistry.get(id);
}

/** A name for people: "TFLite int8". */
export function formatDisplayName(id: string): string {
  return defaultFormatRegistry.has(id) ? (defaultFormatRegistry.get(id).displayName ?? id) : id;
}

/**
 * Reads a format list (`"onnx, TFLite"` or `['onnx']`): trimmed, lower-cased, without duplicates.
 * `what` names the option in errors (`--format`).
 */
export function parseFormats(list: string | readonly string[] | undefined, what = 'formats'): string[] | undefined {
  if (list === undefined) return undefined;
  const ids = (typeof list === 'string' ? list.split(',') : [...list]).map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (ids.length === 0) throw usage(`${what} is empty; use one or more of ${formatIds().join(', ')}.`);
  for (const id of ids) if (!defaultFormatRegistry.has(id)) throw unknownFormat(id, what);
  return [...new Set(ids)];
}

function unknownFormat(id: string, what: string): HypertxError {
  const known = formatIds();
  const guess = closestWord(id, known);
  return usage(`unknown format "${id}" in ${what}${guess ? ` (did you mean "${guess}"?)` : ''}; known formats: ${known.join(', ')}.`);
}

function usage(message: string): HypertxError {
  return new HypertxError('E_USAGE', message, { kind: 'usage' });
}
