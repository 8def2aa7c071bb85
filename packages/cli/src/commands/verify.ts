/**
 * `hypertx verify <file> --support <dir>`: the pipeline's `verifyModelFile`, rendered: a check mark
 * or a cross with what was compared, one line per problem; exit 4 when any check failed.
 */
import { verifyModelFile } from '@hypertx/pipeline';
import pc from 'picocolors';
import { EXIT } from '../exit-codes.js';
import { forTerminal, forTerminalDeep, jsonText } from '../terminal-text.js';

interface VerifyOptions {
  support: string;
  reference?: string;
  atol: number;
  maxPixels?: number;
  json?: boolean;
}

export async function run(file: string, options: VerifyOptions): Promise<number> {
  const result = await verifyModelFile(file, {
    support: options.support,
    atol: options.atol,
    ...(options.reference ? { reference: options.reference } : {}),
    ...(options.maxPixels !== undefined ? { maxInputPixels: options.maxPixels } : {}),
  });
  if (options.json) {
    const { correct: _correct, runtime: _runtime, normalization: _normalization, ...rest } = result;
    const reference = rest.reference ? { maxAbsDiff: rest.reference.maxAbsDiff, argmaxAgreement: rest.reference.argmaxAgreement } : undefined;
    process.stdout.write(jsonText({ ...rest, reference }, 2) + '\n');
  } else {
    // Paths, file names and labels in the result came from the user's files: escaped for the terminal.
    const shown = forTerminalDeep(result);
    const mark = shown.ok ? pc.green('✓') : pc.red('✗');
    process.stdout.write(
      `${mark} ${forTerminal(file)} (${shown.format}): ${shown.images} images, ${shown.correct}/${shown.images} classified as their folder` +
        `${shown.reference ? `; ${shown.reference.summary}` : ''}\n`,
    );
    for (const p of shown.problems) process.stdout.write(`  ${pc.red('problem')} ${p}\n`);
  }
  return result.ok ? EXIT.ok : EXIT.verification;
}
