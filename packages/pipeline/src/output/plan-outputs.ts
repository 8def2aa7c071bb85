/**
 * Where compiled files go. Conventions follow `yolo export` / optimum-cli: the output is named from
 * the input unless given; `model.tflite` picks the format from its ending. Each format's file names
 * come from its plugin (`stemSuffix`, `outputEndings`), so a new format needs no change here.
 */
import path from 'node:path';
import { HypertxError, type FormatPlugin } from '@hypertx/export';
import { DEFAULT_FORMATS, formatIds, formatPlugin } from '../formats.js';

export interface OutputPlan {
  format: string;
  /** Path without extension: every file of the format is `stem + its extension` (a C array writes .cc and .h). */
  stem: string;
  /** Path of the format's model file — what messages name. */
  file: string;
}

export interface PlanOutputsOptions {
  /** Names the outputs when `output` is a folder or absent: `<folder name>.onnx`, ... */
  baseName: string;
  formats: readonly string[] | undefined;
  /** A file (its ending may pick the format) or a folder; default the current folder. */
  output: string | undefined;
  outputIsDirectory: boolean;
}

/** Decides the formats and their paths. An output ending in a path separator is a folder. */
export function planOutputs(options: PlanOutputsOptions): OutputPlan[] {
  return withShortEnoughNames(planned(options));
}

/** The longest file name most file systems take (NAME_MAX), in bytes. */
const NAME_MAX_BYTES = 255;

/** A name over the limit fails now, naming it, rather than after the compile. */
function withShortEnoughNames(plans: OutputPlan[]): OutputPlan[] {
  for (const plan of plans) {
    const name = path.basename(plan.file);
    const bytes = Buffer.byteLength(name);
    if (bytes > NAME_MAX_BYTES) {
      throw new HypertxError('E_USAGE', `the output file name "${name}" is ${bytes} bytes long; file names can be at most ${NAME_MAX_BYTES} bytes`, {
        kind: 'usage',
        path: plan.file,
        hint: 'Choose a shorter output name (-o); a format may add a suffix such as "_int8" to it.',
      });
    }
  }
  return plans;
}

function planned(options: PlanOutputsOptions): OutputPlan[] {
  const output = options.output;
  if (output === undefined || options.outputIsDirectory || /[/\\]$/.test(output)) {
    const base = path.join(output ?? '.', options.baseName || 'model');
    return (options.formats ?? DEFAULT_FORMATS).map((format) => plan(formatPlugin(format), base));
  }

  const matched = formatOfName(output);
  const formats = options.formats ?? (matched ? [matched.plugin.id] : undefined);
  if (!formats) {
    const endings = [...new Set(formatIds().flatMap((id) => endingsOf(formatPlugin(id))))];
    throw new HypertxError(
      'E_USAGE',
      `can't tell the format of the output "${output}" from its name; end it with ${endings.join(', ')}, ` +
        'give the formats, or end the path with "/" for a folder.',
      { kind: 'usage' },
    );
  }
  if (formats.length === 1 && matched && matched.plugin.id === formats[0]) {
    // The name is the file: keep it as given, whatever its case or spelling of the suffix.
    const stem = output.slice(0, output.length - (matched.ending.length - matched.ending.lastIndexOf('.')));
    const plugin = matched.plugin;
    return [{ format: plugin.id, stem, file: path.extname(output).toLowerCase() === plugin.extension ? output : stem + plugin.extension }];
  }
  // Several formats (or another one) with a file name: its base names each.
  const base = matched ? output.slice(0, output.length - matched.ending.length) : output;
  return formats.map((format) => plan(formatPlugin(format), base));
}

/** A support folder's name, the default base name of its outputs. */
export function baseNameOf(supportDir: string): string {
  return path.basename(path.resolve(supportDir)) || 'model';
}

function plan(plugin: FormatPlugin, base: string): OutputPlan {
  const stem = base + (plugin.stemSuffix ?? '');
  return { format: plugin.id, stem, file: stem + plugin.extension };
}

function endingsOf(plugin: FormatPlugin): readonly string[] {
  return plugin.outputEndings ?? [(plugin.stemSuffix ?? '') + plugin.extension];
}

/** The format whose output ending is the longest match for `file` (case-insensitive). */
function formatOfName(file: string): { plugin: FormatPlugin; ending: string } | undefined {
  const lower = file.toLowerCase();
  let best: { plugin: FormatPlugin; ending: string } | undefined;
  for (const id of formatIds()) {
    const plugin = formatPlugin(id);
    for (const ending of endingsOf(plugin)) {
      if (lower.endsWith(ending.toLowerCase()) && (!best || ending.length > best.ending.length)) best = { plugin, ending };
    }
  }
  return best;
}
