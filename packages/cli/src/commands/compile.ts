/**
 * `hypertx compile <support-dir>`: parses options, calls the pipeline's `compile` and
 * `writeCompiled`, and renders: one line per file on stdout (or one JSON object with --json),
 * progress on stderr.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { usageError } from '@hypertx/export';
import {
  baseNameOf,
  checkOutputDirectory,
  compile,
  parseFormats,
  planOutputs,
  recoverOutputFolder,
  resolveModel,
  writeCompiled,
  type CompiledFormat,
  type WrittenFormat,
} from '@hypertx/pipeline';
import pc from 'picocolors';
import { cleanUpOnInterrupt } from '../interrupt-cleanup.js';
import { createReporter, formatBytes, formatMs, renderProgress } from '../progress.js';
import { forTerminal, jsonText } from '../terminal-text.js';

interface CompileOptions {
  unlabeled?: string;
  selfLabel: boolean;
  supportShifts?: number;
  model: string;
  format?: string;
  output?: string;
  ink: 'auto' | 'bright' | 'dark';
  levels: 'auto' | 'none';
  seed: number;
  verify: boolean;
  atol: number;
  symbol?: string;
  maxPixels?: number;
  backend: string;
  json?: boolean;
  quiet?: boolean;
}

export async function run(supportDir: string, options: CompileOptions): Promise<number> {
  // performance.now() counts from process start: this is Node start-up plus the CLI's own imports.
  const startup = performance.now();
  const reporter = createReporter({ quiet: options.quiet === true || options.json === true });

  // Usage problems first, before any heavy work.
  const plans = planOutputs({
    baseName: baseNameOf(supportDir),
    formats: parseFormats(options.format, '--format'),
    output: options.output,
    outputIsDirectory: options.output !== undefined && (await isDirectory(options.output)),
  });
  resolveModel(options.model);
  const formatOptions = cArrayOptions(options.symbol, plans.map((p) => p.format));
  const outputDir = path.dirname(plans[0]!.file);
  await checkOutputDirectory(outputDir);
  // From here on, Ctrl-C / SIGTERM remove this process's staging folder before exiting.
  let written = false;
  const stopCleanup = cleanUpOnInterrupt(() => written);
  try {
    // Whatever a killed compile left in the folder is finished or removed first.
    await recoverOutputFolder(outputDir);
    const result = await compile(
      options.unlabeled !== undefined ? { folder: supportDir, unlabeledFolder: options.unlabeled } : supportDir,
      {
        model: options.model,
        formats: plans.map((p) => p.format),
        verify: options.verify,
        atol: options.atol,
        ink: options.ink,
        levels: options.levels,
        selfLabel: options.selfLabel,
        ...(options.supportShifts !== undefined ? { supportShifts: options.supportShifts } : {}),
        ...(options.maxPixels !== undefined ? { maxInputPixels: options.maxPixels } : {}),
        ...(formatOptions ? { formatOptions } : {}),
        backend: options.backend as 'auto',
        fileName: (format) => plans.find((p) => p.format === format)?.file ?? format,
        onProgress: renderProgress(reporter),
      },
    );
    const t0 = performance.now();
    const files = await writeCompiled(result.formats, plans);
    written = true;
    await signalsDelivered();
    const write = performance.now() - t0;
    if (!options.json) result.formats.forEach((f, i) => printFile(f, files[i]!));

    if (options.json) {
      const cpu = process.cpuUsage(); // user + system, all threads: varies less than wall time on a busy machine
      const timings = { startup, ...result.timingsMs, write, total: performance.now(), cpu: (cpu.user + cpu.system) / 1000 };
      const json = {
        ok: true,
        supportDir,
        model: options.model,
        labels: result.labels,
        ink: result.ink,
        images: result.images,
        supportSetHash: result.supportSetHash,
        files: result.formats.map((f, i) => ({
          path: files[i]!.path,
          paths: files[i]!.paths,
          format: f.format,
          bytes: f.bytes,
          verified: f.verification !== undefined,
          runtime: f.verification?.runtime ?? null,
          maxAbsDiff: f.verification?.agreement.maxAbsDiff ?? null,
          argmaxAgreement: f.verification?.agreement.argmaxAgreement ?? null,
          versusFloat: f.verification?.versusFloat ?? null,
          ...(f.details ? { details: f.details } : {}),
          exportMs: round(f.exportMs),
          verifyMs: round(f.verifyMs),
        })),
        timingsMs: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, round(v)])),
      };
      process.stdout.write(jsonText(json, 2) + '\n');
    } else {
      const n = result.formats.length;
      process.stdout.write(
        `${pc.green('Done')} in ${formatMs(performance.now())}: ${n} file${n === 1 ? '' : 's'} for ${result.labels.length} classes (${result.labels.map(forTerminal).join(', ')})\n`,
      );
    }
    return 0;
  } finally {
    stopCleanup();
  }
}

function printFile(f: CompiledFormat, written: WrittenFormat): void {
  const v = f.verification;
  const check = v ? pc.green('✓') : pc.yellow('•');
  const quantized = v?.versusFloat ? `; vs float: max |Δp| ${v.versusFloat.maxAbsDiff.toFixed(3)}, same top-1 ${Math.round(v.versusFloat.argmaxAgreement * 100)}%` : '';
  const verified = v ? `verified in ${v.runtime} (max |Δp| ${v.agreement.maxAbsDiff.toExponential(1)}${quantized})` : 'not verified';
  process.stdout.write(`${check} ${f.format.padEnd(11)} ${written.paths.map(forTerminal).join(', ')}  ${formatBytes(f.bytes)}  ${formatMs(f.exportMs + f.verifyMs)}  ${verified}\n`);
}

// What the C array writer accepts (@hypertx/export-tflite checks it again): checked here so a bad name
// fails before the model loads, naming the flag.
const C_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** `--symbol` as the c-array plugin's `name` option; a usage error when it is no C identifier or there is no C array to name. */
function cArrayOptions(symbol: string | undefined, formats: string[]): Record<string, { name: string }> | undefined {
  if (symbol === undefined) return undefined;
  if (!C_IDENTIFIER.test(symbol)) {
    throw usageError('E_USAGE', `--symbol ${JSON.stringify(symbol)} is not a C identifier`, {
      hint: 'Use letters, digits and underscores, not starting with a digit, at most 63 characters (e.g. --symbol glyph_model).',
    });
  }
  if (!formats.includes('c-array')) {
    throw usageError('E_USAGE', `--symbol ${symbol} names the C array, but no c-array file is written (formats: ${formats.join(', ')})`, {
      hint: 'Add c-array to -f, or write to a .cc/.h file with -o.',
    });
  }
  return { 'c-array': { name: symbol } };
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Lets a signal that arrived during the synchronous publish reach its handler (which then says the
 * files were written and exits 128 + n) instead of being dropped when the handlers are removed.
 * Two event-loop turns: the first may begin after this turn's poll for signals.
 */
async function signalsDelivered(): Promise<void> {
  for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve));
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
