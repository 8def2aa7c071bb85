/**
 * Writing a compile's files: all of them or none (writeOutputSet). A failed, interrupted or killed
 * write leaves the earlier files of those names as they were, and concurrent compiles to the same
 * names leave one compile's whole set.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { HypertxError } from '@hypertx/export';
import type { CompiledFormat } from '../compile/export-and-verify.js';
import { planOutputs, type OutputPlan } from './plan-outputs.js';
import { writeOutputSet, type OutputFile } from './write-output-set.js';

/** Where one format's files went. */
export interface WrittenFormat {
  format: string;
  /** The model file. */
  path: string;
  /** Every file written for the format (a C array writes two), the model file first. */
  paths: string[];
}

export interface WriteTarget {
  /** A file (its ending may name the format) or a folder (ends with "/" or exists as one); default ".". */
  output?: string;
  /** Names files written into a folder: `<baseName>.onnx` (default "model"). */
  baseName?: string;
}

/**
 * Writes compiled formats, either where `plans` say (one plan per format, as `planOutputs` makes
 * them) or into `target`. Resolves to the paths written, in the order of `formats`. `extra` files
 * (in the same folder) join the set, renamed into place last.
 */
export async function writeCompiled(
  formats: readonly CompiledFormat[],
  where: readonly OutputPlan[] | WriteTarget = {},
  extra: readonly { path: string; bytes: Uint8Array }[] = [],
): Promise<WrittenFormat[]> {
  const plans = Array.isArray(where) ? (where as readonly OutputPlan[]) : await plansFor(formats, where as WriteTarget);
  const written = formats.map((compiled) => ({ compiled, paths: outputPaths(compiled, plans) }));
  const files = [...written.flatMap(({ compiled, paths }) => compiled.files.map((f, i) => ({ path: paths[i]!, bytes: f.bytes }))), ...extra];
  if (files.length > 0) {
    const dir = oneFolder(files.map((f) => f.path));
    await writeOutputSet(dir, files.map((f): OutputFile => ({ name: path.basename(f.path), bytes: f.bytes })));
  }
  return written.map(({ compiled, paths }) => ({ format: compiled.format, path: paths[0]!, paths }));
}

/** The paths of a compiled format's files where `plans` put them, its model file first. */
export function outputPaths(compiled: CompiledFormat, plans: readonly OutputPlan[]): string[] {
  const plan = plans.find((p) => p.format === compiled.format);
  if (!plan) throw new HypertxError('E_USAGE', `no output planned for format ${compiled.format}`, { kind: 'usage' });
  return compiled.files.length === 1 ? [plan.file] : compiled.files.map((f) => plan.stem + f.extension);
}

/** The folder all `files` are in: one set is published into one folder. */
function oneFolder(files: readonly string[]): string {
  const dirs = [...new Set(files.map((f) => path.resolve(path.dirname(f))))];
  if (dirs.length !== 1) {
    throw new HypertxError('E_USAGE', `the files of one compile go into one folder, not ${dirs.length}: ${dirs.join(', ')}`, { kind: 'usage' });
  }
  return path.dirname(files[0]!);
}

async function plansFor(formats: readonly CompiledFormat[], target: WriteTarget): Promise<OutputPlan[]> {
  const output = target.output;
  const isDirectory = output !== undefined && (await stat(output).then((s) => s.isDirectory(), () => false));
  return planOutputs({ baseName: target.baseName ?? 'model', formats: formats.map((f) => f.format), output, outputIsDirectory: isDirectory });
}
