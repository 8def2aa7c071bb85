/**
 * `hypertx compile <support-dir>`: support images → HyperTransformer → verified edge model files.
 * Output: one line per file on stdout (or one JSON object with --json); progress on stderr.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { HypertxError, isHypertxError } from '@hypertx/export';
import pc from 'picocolors';
import { exportAndVerify, type CompiledFile } from '../compile/pipeline.js';
import { cleanUpOnInterrupt } from '../compile/interrupt-cleanup.js';
import { parseFormats, planOutputs, type OutputPlan } from '../compile/output-paths.js';
import { checkOutputDirectory } from '../compile/output-directory.js';
import { resolveModel } from '../models.js';
import { createReporter, formatBytes, formatMs, type Reporter } from '../progress.js';

interface CompileOptions {
  unlabeled?: string;
  selfLabel: boolean;
  model: string;
  format?: string;
  output?: string;
  ink: 'auto' | 'bright' | 'dark';
  levels: 'auto' | 'none';
  seed: number;
  verify: boolean;
  atol: number;
  backend: string;
  json?: boolean;
  quiet?: boolean;
}

export async function run(supportDir: string, options: CompileOptions): Promise<number> {
  // performance.now() counts from process start: this is Node start-up plus the CLI's own imports.
  const timings: Record<string, number> = { startup: performance.now() };
  const reporter = createReporter({ quiet: options.quiet === true || options.json === true });
  const lap = (() => {
    let t = performance.now();
    return (name: string) => {
      const now = performance.now();
      timings[name] = now - t;
      t = now;
    };
  })();

  // Usage problems first, before any heavy work.
  const plans = planOutputs({
    supportDir,
    formats: parseFormats(options.format),
    output: options.output,
    outputIsDirectory: options.output !== undefined && (/[/\\]$/.test(options.output) || (await isDirectory(options.output))),
  });
  const modelPath = resolveModel(options.model);
  for (const dir of new Set(plans.map((p) => path.dirname(p.file)))) await checkOutputDirectory(dir);
  // From here on, Ctrl-C / SIGTERM remove any temporary output file before exiting.
  const stopCleanup = cleanUpOnInterrupt(plans.flatMap((p) => [p.file, p.stem]));
  try {
    return await compile(supportDir, options, { plans, modelPath, timings, lap, reporter });
  } finally {
    stopCleanup();
  }
}

async function compile(
  supportDir: string,
  options: CompileOptions,
  context: { plans: OutputPlan[]; modelPath: string; timings: Record<string, number>; lap: (name: string) => void; reporter: Reporter },
): Promise<number> {
  const { plans, modelPath, timings, lap, reporter } = context;

  const [core, data] = await Promise.all([import('@hypertx/core'), import('@hypertx/data')]);
  await core.initBackend(options.backend as 'auto');
  lap('imports');

  reporter.step(`Loading model ${options.model}`);
  const model = await core.loadModel(modelPath);
  const { height, width, channels } = model.config.image;
  lap('modelLoad');

  const set = await data.loadSupportSet(supportDir, {
    height,
    width,
    channels: channels as 1 | 3,
    ...(options.unlabeled !== undefined ? { unlabeledDir: path.resolve(options.unlabeled) } : {}),
    ink: options.ink,
    levels: options.levels,
  });
  try {
    core.checkSupport(model.config, set.labels);
  } catch (err) {
    throw namingFolder(err, supportDir);
  }
  const unlabeledCount = set.unlabeled?.count ?? 0;
  reporter.step(
    `Read ${set.classNames.length} classes, ${set.images.count} labelled${unlabeledCount ? ` + ${unlabeledCount} unlabelled` : ''} images ` +
      `(${set.ink === 'dark' ? 'dark ink on light: inversion baked into the model input' : 'light ink on dark'})`,
  );
  lap('imageLoad');

  const batch = data.supportBatch(set);
  // One self-labelling pass shared by generate and predict; generate still hashes the labels as given.
  const selfLabels = options.selfLabel === false ? batch.supportLabels : core.selfLabel(model, batch.support, batch.supportLabels);
  const cnn = core.generate(model, batch.support, batch.supportLabels, {
    normalization: set.normalization,
    labels: set.classNames,
    extraMetadata: { model: path.basename(modelPath), ink: set.ink },
    selfLabels,
  });
  // The TF.js outputs every exported file must reproduce, on the support (+ unlabelled) images.
  const expected = core.predict(model, batch.support, batch.supportLabels, batch.support, { selfLabels });
  lap('generate');
  reporter.step(`Generated a ${cnn.layers.filter((l) => l.type === 'conv2d').length}-conv CNN for ${cnn.labels.length} classes`);

  const rawPixels = data.denormalizePixels(batch.support.pixels, channels, set.normalization);
  const files = await exportAndVerify(
    { cnn, rawPixels, count: batch.support.count, expected: expected.probabilities },
    plans,
    {
      verify: options.verify,
      atol: options.atol,
      onEvent: (e) => {
        if (e.stage === 'file' && !options.json) printFile(e.file);
      },
    },
  );
  // Wall time: besides each file's export and verify, this loads the format plugins and their
  // runtimes (onnxruntime-node, LiteRT.js) and writes the files.
  lap('exportAndVerify');
  timings['total'] = performance.now();
  // CPU time (user + system, all threads): on a busy machine it varies less than wall time.
  const cpu = process.cpuUsage();
  timings['cpu'] = (cpu.user + cpu.system) / 1000;

  if (options.json) {
    const result = {
      ok: true,
      supportDir,
      model: options.model,
      labels: set.classNames,
      ink: set.ink,
      images: { labelled: set.images.count, unlabeled: unlabeledCount },
      supportSetHash: cnn.metadata.supportSetHash,
      files: files.map((f) => ({
        path: f.path,
        paths: f.paths,
        format: f.format,
        bytes: f.bytes,
        verified: f.verified,
        runtime: f.runtime ?? null,
        maxAbsDiff: f.agreement?.maxAbsDiff ?? null,
        argmaxAgreement: f.agreement?.argmaxAgreement ?? null,
        versusFloat: f.versusFloat ?? null,
        ...(f.details ? { details: f.details } : {}),
        exportMs: round(f.exportMs),
        verifyMs: round(f.verifyMs),
      })),
      timingsMs: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, round(v)])),
    };
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  } else {
    const total = formatMs(performance.now());
    process.stdout.write(`${pc.green('Done')} in ${total}: ${files.length} file${files.length === 1 ? '' : 's'} for ${set.classNames.length} classes (${set.classNames.join(', ')})\n`);
  }
  return 0;
}

function printFile(f: CompiledFile): void {
  const check = f.verified ? pc.green('✓') : pc.yellow('•');
  const quantized = f.versusFloat ? `; vs float: max |Δp| ${f.versusFloat.maxAbsDiff.toFixed(3)}, same top-1 ${Math.round(f.versusFloat.argmaxAgreement * 100)}%` : '';
  const verified = f.verified ? `verified in ${f.runtime} (max |Δp| ${f.agreement!.maxAbsDiff.toExponential(1)}${quantized})` : 'not verified';
  process.stdout.write(`${check} ${f.format.padEnd(11)} ${f.paths.join(', ')}  ${formatBytes(f.bytes)}  ${formatMs(f.exportMs + f.verifyMs)}  ${verified}\n`);
}

/** The model's checks speak of "the support set": name the folder, so the message points at it. */
function namingFolder(err: unknown, supportDir: string): unknown {
  if (!isHypertxError(err)) return err;
  return new HypertxError(err.code, `${supportDir}: ${err.message}`, {
    kind: err.kind,
    path: supportDir,
    cause: err,
    ...(err.hint !== undefined ? { hint: err.hint } : {}),
  });
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
