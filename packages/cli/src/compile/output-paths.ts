/**
 * Where compile writes each format. Conventions follow `yolo export` / optimum-cli: the output is named
 * from the input unless given; `-o model.tflite` picks the format from the extension.
 */
import path from 'node:path';
import { HypertxError } from '@hypertx/export';

export const KNOWN_FORMATS = ['onnx', 'tflite', 'tflite-int8', 'c-array', 'hxcnn'] as const;
export type FormatId = (typeof KNOWN_FORMATS)[number];

/** File-name suffix per format, appended to the output stem. */
const SUFFIX: Record<FormatId, string> = {
  onnx: '.onnx',
  tflite: '.tflite',
  'tflite-int8': '_int8.tflite',
  'c-array': '_int8', // the plugin adds .h and .cc
  hxcnn: '.hxcnn',
};

const DEFAULT_FORMATS: FormatId[] = ['onnx', 'tflite'];

export interface OutputPlan {
  format: FormatId;
  /** Path without the plugin's extension for multi-file formats; the full path otherwise. */
  stem: string;
  /** Full path of the model file (single-file formats) — what the user sees. */
  file: string;
}

export function parseFormats(list: string | undefined): FormatId[] | undefined {
  if (list === undefined) return undefined;
  const ids = list
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  if (ids.length === 0) throw usage(`--format is empty; use one or more of ${KNOWN_FORMATS.join(', ')}.`);
  for (const id of ids) {
    if (!(KNOWN_FORMATS as readonly string[]).includes(id)) {
      throw usage(`unknown format "${id}" in --format; known formats: ${KNOWN_FORMATS.join(', ')}.`);
    }
  }
  return [...new Set(ids)] as FormatId[];
}

/**
 * Decides the formats and their paths from `--format`, `--output` and the support folder.
 * An output ending in a path separator, or naming an existing directory, is a directory.
 */
export function planOutputs(options: {
  supportDir: string;
  formats: FormatId[] | undefined;
  output: string | undefined;
  outputIsDirectory: boolean;
}): OutputPlan[] {
  const stemName = path.basename(path.resolve(options.supportDir)) || 'model';
  const output = options.output;

  if (output === undefined || options.outputIsDirectory) {
    const dir = output ?? '.';
    const formats = options.formats ?? DEFAULT_FORMATS;
    return formats.map((format) => plan(format, path.join(dir, stemName)));
  }

  const fromExtension = formatFromExtension(output);
  const formats = options.formats ?? (fromExtension ? [fromExtension] : undefined);
  if (!formats) {
    throw usage(
      `can't tell the format of --output "${output}" from its extension; use .onnx, .tflite, .h, .cc or .hxcnn, ` +
        'give --format, or end the path with "/" for a directory.',
    );
  }
  if (formats.length === 1 && fromExtension === formats[0]) {
    const format = formats[0]!;
    const stem = format === 'c-array' ? output.replace(/\.(h|cc)$/i, '') : output;
    return [{ format, stem, file: format === 'c-array' ? `${stem}.h` : output }];
  }
  // Several formats with a file name: use its stem for each.
  const stem = output.replace(/(_int8)?\.(onnx|tflite|h|cc|hxcnn)$/i, '');
  return formats.map((format) => plan(format, stem));
}

function plan(format: FormatId, stemBase: string): OutputPlan {
  const stem = stemBase + (format === 'c-array' ? SUFFIX[format] : '');
  return { format, stem, file: format === 'c-array' ? `${stem}.h` : stemBase + SUFFIX[format] };
}

function formatFromExtension(file: string): FormatId | undefined {
  const lower = file.toLowerCase();
  if (lower.endsWith('_int8.tflite') || lower.endsWith('.int8.tflite')) return 'tflite-int8';
  if (lower.endsWith('.tflite')) return 'tflite';
  if (lower.endsWith('.onnx')) return 'onnx';
  if (lower.endsWith('.h') || lower.endsWith('.cc')) return 'c-array';
  if (lower.endsWith('.hxcnn')) return 'hxcnn';
  return undefined;
}

function usage(message: string): HypertxError {
  return new HypertxError('E_USAGE', message, { kind: 'usage' });
}
