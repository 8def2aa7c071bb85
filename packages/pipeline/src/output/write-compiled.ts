/**
 * Writing a compile's files. Each file is written atomically (a temporary file, then a rename), and
 * when any write fails the files this call already wrote are removed, so a failed write leaves no
 * model files behind.
 */
import { unlink } from 'node:fs/promises';
import path from 'node:path';
import { HypertxError, writeFileAtomic } from '@hypertx/export';
import type { CompiledFormat } from '../compile/export-and-verify.js';
import { ensureDirectory } from './output-directory.js';
import { planOutputs, type OutputPlan } from './plan-outputs.js';

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
 * them) or into `target`. Resolves to the paths written, in the order of `formats`.
 */
export async function writeCompiled(formats: readonly CompiledFormat[], where: readonly OutputPlan[] | WriteTarget = {}): Promise<WrittenFormat[]> {
  const plans = Array.isArray(where) ? (where as readonly OutputPlan[]) : await plansFor(formats, where as WriteTarget);
  const jobs = formats.map((compiled) => {
    const plan = plans.find((p) => p.format === compiled.format);
    if (!plan) throw new HypertxError('E_USAGE', `no output planned for format ${compiled.format}`, { kind: 'usage' });
    const paths = compiled.files.length === 1 ? [plan.file] : compiled.files.map((f) => plan.stem + f.extension);
    return { compiled, paths };
  });
  const written: string[] = [];
  try {
    for (const { compiled, paths } of jobs) {
      for (const [i, file] of compiled.files.entries()) {
        await ensureDirectory(path.dirname(paths[i]!));
        await writeFileAtomic(paths[i]!, file.bytes);
        written.push(paths[i]!);
      }
    }
  } catch (err) {
    await Promise.all(written.map((p) => unlink(p).catch(() => undefined)));
    throw err;
  }
  return jobs.map(({ compiled, paths }) => ({ format: compiled.format, path: paths[0]!, paths }));
}

async function plansFor(formats: readonly CompiledFormat[], target: WriteTarget): Promise<OutputPlan[]> {
  const { stat } = await import('node:fs/promises');
  const output = target.output;
  const isDirectory = output !== undefined && (await stat(output).then((s) => s.isDirectory(), () => false));
  return planOutputs({ baseName: target.baseName ?? 'model', formats: formats.map((f) => f.format), output, outputIsDirectory: isDirectory });
}
