/** `hypertx inspect <file>`: what a model file holds, for .onnx, .tflite and .hxcnn alike. */
import pc from 'picocolors';
import { readModelFile, type ModelFileSummary } from '../model-files/read-model-file.js';
import { formatBytes } from '../progress.js';

export async function run(file: string, options: { json?: boolean }): Promise<number> {
  const { summary } = await readModelFile(file);
  process.stdout.write(options.json ? JSON.stringify({ ok: true, ...summary }, null, 2) + '\n' : render(summary));
  return 0;
}

const FORMAT_NAMES: Record<ModelFileSummary['format'], string> = {
  onnx: 'ONNX',
  tflite: 'TFLite float32',
  'tflite-int8': 'TFLite int8',
  'c-array': 'C array (TFLite flatbuffer)',
  hxcnn: 'hypertx CNN (IR)',
};

export function render(s: ModelFileSummary): string {
  const lines: string[] = [];
  const shape = (v: { shape: Array<number | string> }) => `[${v.shape.join(',')}]`;
  const width = Math.max(...[...s.inputs, ...s.outputs].map((v) => v.name.length));
  lines.push(`${pc.bold(s.path)}  ${FORMAT_NAMES[s.format]}  ${formatBytes(s.bytes)}`);
  s.inputs.forEach((v, i) => lines.push(`  ${i === 0 ? 'input  ' : '       '} ${v.name.padEnd(width)}  ${v.type} ${shape(v)}`));
  s.outputs.forEach((v, i) => lines.push(`  ${i === 0 ? 'outputs' : '       '} ${v.name.padEnd(width)}  ${v.type} ${shape(v)}`));
  const m = s.metadata;
  if (m) {
    const n = m.input.normalization;
    lines.push(`  pixels   ${m.input.height}×${m.input.width}×${m.input.channels}, raw 0..255 → ${affine(n.scale, n.offset)}${n.description ? ` (${n.description})` : ''}`);
    lines.push(`  labels   ${m.labels.length}: ${m.labels.join(', ')}`);
  } else {
    lines.push(pc.yellow('  no hypertx metadata: labels and input normalisation unknown'));
  }
  lines.push(`  layers   ${Object.entries(s.operators).map(([op, n]) => (n > 1 ? `${op}×${n}` : op)).join(' ')}`);
  lines.push(`  params   ${s.parameters.toLocaleString('en-US')}`);
  if (m) {
    const provenance = [m.modelId ? `model ${m.modelId}` : '', m.supportSetHash ? `support sha256 ${m.supportSetHash.slice(0, 12)}…` : ''].filter(Boolean).join(', ');
    lines.push(`  producer ${m.producer} (export ${m.version})${provenance ? `; ${provenance}` : ''}`);
  }
  lines.push(`  format   ${Object.entries(s.details).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  return lines.join('\n') + '\n';
}

/** `x·s + o` with a readable sign, per channel when channels differ. */
function affine(scale: number[], offset: number[]): string {
  const sign = (o: number) => (o < 0 ? `- ${+(-o).toPrecision(6)}` : `+ ${+o.toPrecision(6)}`);
  const same = new Set(scale).size === 1 && new Set(offset).size === 1;
  if (same) return `x·${fmt(scale)} ${sign(offset[0] ?? 0)}`;
  return scale.map((s, c) => `c${c}: x·${+s.toPrecision(6)} ${sign(offset[c] ?? 0)}`).join('; ');
}

function fmt(values: number[]): string {
  const uniq = [...new Set(values.map((v) => +v.toPrecision(6)))];
  return uniq.length === 1 ? String(uniq[0]) : `[${uniq.join(', ')}]`;
}
