/**
 * `hypertx verify <file> --support <dir>`: load a model file in its runtime, run it on a support
 * folder's images, and check it: valid probabilities, the class labels it carries match the folder's
 * classes, and (with `--reference <ir.hxcnn>`) agreement with the float64 reference of the IR.
 */
import { HypertxError, type FormatPlugin, type RunOutputs } from '@hypertx/export';
import pc from 'picocolors';
import { compareOutputs } from '../compile/compare.js';
import { loadPlugin } from '../compile/formats.js';
import type { FormatId } from '../compile/output-paths.js';
import { readModelFile } from '../model-files/read-model-file.js';
import { EXIT } from '../exit-codes.js';
import { loadRawSupport } from '../support.js';

interface VerifyOptions {
  support: string;
  reference?: string;
  atol: number;
  json?: boolean;
}

export async function run(file: string, options: VerifyOptions): Promise<number> {
  const { summary, bytes, runnerFormat } = await readModelFile(file);
  const meta = summary.metadata;
  if (!meta) {
    throw new HypertxError('E_NO_METADATA', `${file} has no "hypertx" metadata, so its input size and labels are unknown`, {
      kind: 'input',
      path: file,
      hint: 'verify checks files written by hypertx compile.',
    });
  }
  // Unlabelled images (<support>/_unlabeled) are loaded too: compile calibrated int8 files on them.
  const support = await loadRawSupport(options.support, meta.input, { unlabeled: undefined });
  const missing = support.classNames.filter((c) => !meta.labels.includes(c));
  if (missing.length > 0) {
    throw new HypertxError('E_LABELS_MISMATCH', `${options.support} has classes the model does not know: ${missing.join(', ')} (model labels: ${meta.labels.join(', ')})`, {
      kind: 'input',
      path: options.support,
    });
  }

  const plugin = await loadPlugin(runnerFormat);
  const outputs = await runFile(plugin, runnerFormat, bytes, support.pixels, support.count);
  const problems: string[] = [];
  const classes = outputs.shape[1];
  if (classes !== meta.labels.length) problems.push(`the output has ${classes} classes but the metadata lists ${meta.labels.length} labels`);
  let correct = 0;
  for (let i = 0; i < support.count; i++) {
    const row = outputs.probabilities.subarray(i * classes, (i + 1) * classes);
    const sum = row.reduce((a, b) => a + b, 0);
    if (!Number.isFinite(sum) || Math.abs(sum - 1) > 0.02) problems.push(`image ${support.files[i]}: probabilities sum to ${sum}`);
    let top = 0;
    for (let c = 1; c < classes; c++) if (row[c]! > row[top]!) top = c;
    if (meta.labels[top] === support.classNames[support.labels[i]!]) correct++;
  }

  let reference: ReturnType<typeof compareOutputs> | undefined;
  let versusFloat: ReturnType<typeof compareOutputs> | undefined;
  if (options.reference) {
    const { readCnnFile, runReference } = await import('@hypertx/export');
    const cnn = await readCnnFile(options.reference);
    const float = Float32Array.from(runReference(cnn, support.pixels, support.count).probabilities);
    // A quantised file is held to what its own int8 graph computes (as compile does), quantised from
    // the reference with the same calibration images; its distance from the float network is reported.
    const own = plugin.expectedOutputs?.(cnn, { calibration: support.calibration }, support.pixels, support.count);
    reference = compareOutputs(own?.probabilities ?? float, outputs.probabilities, classes, {
      atol: plugin.quantized ? 2 / 256 : options.atol,
    });
    if (own) versusFloat = compareOutputs(float, outputs.probabilities, classes, { atol: 1 });
    if (!reference.ok) {
      problems.push(
        `differs from the reference ${options.reference}${own ? ' quantised like compile does' : ''}: ${reference.summary}` +
          (own ? ` (int8 files are compared with the reference quantised on the same support folder, ${options.support}, as at compile time)` : ''),
      );
    }
  }

  const result = {
    ok: problems.length === 0,
    file,
    format: summary.format,
    images: support.count,
    supportAccuracy: correct / support.count,
    reference: reference ? { maxAbsDiff: reference.maxAbsDiff, argmaxAgreement: reference.argmaxAgreement } : undefined,
    versusFloat: versusFloat ? { maxAbsDiff: versusFloat.maxAbsDiff, argmaxAgreement: versusFloat.argmaxAgreement } : undefined,
    problems,
  };
  if (options.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  else {
    const mark = result.ok ? pc.green('✓') : pc.red('✗');
    process.stdout.write(`${mark} ${file} (${summary.format}): ${support.count} images, ${correct}/${support.count} classified as their folder${reference ? `; ${reference.summary}` : ''}\n`);
    for (const p of problems) process.stdout.write(`  ${pc.red('problem')} ${p}\n`);
  }
  return result.ok ? EXIT.ok : EXIT.verification;
}

async function runFile(plugin: FormatPlugin, format: FormatId, bytes: Uint8Array, pixels: Float32Array, count: number): Promise<RunOutputs> {
  if (!plugin.createRunner) throw new HypertxError('E_NO_RUNTIME', `no runtime can run ${format} files`, { kind: 'usage' });
  const runner = await plugin.createRunner(bytes);
  try {
    return await runner.run(pixels, count);
  } finally {
    await runner.dispose();
  }
}
