/**
 * `hypertx inspect <file>`: renders what the pipeline's `inspectFile` reads from a model file. Compiled CNNs (.onnx, .tflite, .hxcnn, C arrays)
 * show layers, input spec and labels; HyperTransformers (.hxmodel, .hxckpt, or a bundled model name)
 * show what they generate and which support sets they accept.
 */
import { formatDisplayName, inspectFile, type HyperTransformerFileSummary, type ModelFileSummary } from '@hypertx/pipeline';
import pc from 'picocolors';
import { formatBytes } from '../progress.js';
import { forTerminalDeep, jsonText } from '../terminal-text.js';

export async function run(file: string, options: { json?: boolean }): Promise<number> {
  const summary = await inspectFile(file);
  if (options.json) process.stdout.write(jsonText({ ok: true, ...summary }, 2) + '\n');
  else process.stdout.write(summary.kind === 'cnn' ? render(summary) : renderHyperTransformer(summary));
  return 0;
}

const KIND_NAMES: Record<HyperTransformerFileSummary['kind'], string> = { hypertransformer: 'HyperTransformer', protonet: 'ProtoNet' };

/** Everything in `summary` came from the file (or its path): each string is escaped for the terminal before it is laid out. */
export function renderHyperTransformer(summary: HyperTransformerFileSummary): string {
  const s = forTerminalDeep(summary);
  const { cnn, image, metadata } = s;
  const lines: string[] = [];
  const what = s.resumable ? `training checkpoint at step ${s.step.toLocaleString('en-US')} (resumable)` : 'model';
  lines.push(`${pc.bold(s.path)}  ${KIND_NAMES[s.kind]} ${what}  ${formatBytes(s.bytes)}`);
  const generated =
    s.kind === 'protonet'
      ? 'trained once; logits from class prototypes'
      : `${cnn.generatedConvLayers === 0 ? 'conv weights trained once' : `${cnn.generatedConvLayers} of ${cnn.layers} conv blocks generated`}; logits ${cnn.logits}`;
  const widths = Array.isArray(cnn.channels) ? cnn.channels.join('/') : String(cnn.channels);
  lines.push(`  cnn      ${cnn.layers} conv blocks × ${widths} channels, ${cnn.kernelSize}×${cnn.kernelSize} kernels: ${generated}`);
  lines.push(`  pixels   ${image.height}×${image.width}×${image.channels}`);
  lines.push(`  accepts  ${s.accepts.replace(/, \d+×\d+×\d+ inputs$/, '')}`);
  lines.push(`  params   ${s.parameters.toLocaleString('en-US')}`);
  lines.push(`  bn prior ${s.bnPriorWeight === undefined ? 'none (support statistics alone)' : `population statistics worth ${s.bnPriorWeight} values per channel, blended into the support statistics`}`);
  if (s.kind === 'hypertransformer') lines.push(`  shifts   ${s.supportShifts ? `each class filled to ${s.supportShifts} images with 1–3 px shifted copies before generating (compile --support-shifts)` : 'none (compile --support-shifts n fills each class to n images)'}`);
  const trained = Object.entries(metadata).map(([k, v]) => `${k} ${v}`).join(', ');
  if (trained) lines.push(`  trained  ${trained}`);
  return lines.join('\n') + '\n';
}

export function render(summary: ModelFileSummary): string {
  const s = forTerminalDeep(summary);
  const lines: string[] = [];
  const shape = (v: { shape: Array<number | string> }) => `[${v.shape.join(',')}]`;
  const width = Math.max(...[...s.inputs, ...s.outputs].map((v) => v.name.length));
  lines.push(`${pc.bold(s.path)}  ${formatDisplayName(s.format)}  ${formatBytes(s.bytes)}`);
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
  for (const w of s.warnings ?? []) lines.push(pc.yellow(`  warning  ${w}`));
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
