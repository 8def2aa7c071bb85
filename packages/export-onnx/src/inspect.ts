/** Reads back the facts of an ONNX file that hypertx (or anyone) wrote: versions, I/O, metadata. */
import { HypertxError } from '@hypertx/export';
import { onnx, toNumber, type OnnxValueInfo } from './proto.js';

export interface OnnxValueSummary {
  name: string;
  /** Dimension sizes, or the symbolic name (e.g. "N") of a dynamic dimension. */
  shape: Array<number | string>;
}

export interface OnnxSummary {
  irVersion: number;
  /** Default-domain opset. */
  opset: number;
  producerName: string;
  producerVersion: string;
  inputs: OnnxValueSummary[];
  outputs: OnnxValueSummary[];
  /** Operator types in node order. */
  operators: string[];
  /** `metadata_props` as a plain object. */
  metadata: Record<string, string>;
  /** The parsed `hypertx` metadata entry, when present and valid JSON. */
  hypertx?: unknown;
  /**
   * Parameters as `countParameters` of @hypertx/export defines them: Conv and Gemm weights plus one
   * bias per output channel, 2 per channel for each BatchNormalization; the normalisation's Mul/Add
   * constants and shapes are not counted. The same network gives the same number in every format.
   */
  parameters: number;
}

/** See `OnnxSummary.parameters`. */
function countGraphParameters(model: InstanceType<typeof onnx.ModelProto>): number {
  const dims = new Map((model.graph?.initializer ?? []).map((t) => [t.name ?? '', (t.dims ?? []).map(toNumber)]));
  const size = (d: number[]) => d.reduce((n, v) => n * v, 1);
  let total = 0;
  for (const node of model.graph?.node ?? []) {
    const weights = dims.get(node.input?.[1] ?? ''); // W of Conv and Gemm, scale of BatchNormalization
    if (!weights) continue;
    if (node.opType === 'Conv') {
      total += size(weights) + weights[0]!; // OIHW
    } else if (node.opType === 'Gemm') {
      const transB = toNumber((node.attribute ?? []).find((a) => a.name === 'transB')?.i ?? 0);
      total += size(weights) + (transB ? weights[0]! : weights[weights.length - 1]!);
    } else if (node.opType === 'BatchNormalization') {
      total += 2 * size(weights);
    }
  }
  return total;
}

function summarizeValue(value: OnnxValueInfo): OnnxValueSummary {
  const dims = value.type?.tensorType?.shape?.dim ?? [];
  return {
    name: value.name ?? '',
    shape: dims.map((d) => (d.dimParam ? d.dimParam : toNumber(d.dimValue))),
  };
}

/** Decodes ONNX bytes; `sourceName` goes into error messages. */
export function inspectOnnx(bytes: Uint8Array, sourceName?: string): OnnxSummary {
  let model: InstanceType<typeof onnx.ModelProto>;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new HypertxError('E_ONNX_FILE', `${sourceName ? `${sourceName}: ` : ''}not a readable ONNX model (${(err as Error).message})`, {
      kind: 'input',
      cause: err,
      ...(sourceName ? { path: sourceName } : {}),
    });
  }
  const metadata: Record<string, string> = {};
  for (const entry of model.metadataProps ?? []) if (entry.key) metadata[entry.key] = entry.value ?? '';
  const summary: OnnxSummary = {
    irVersion: toNumber(model.irVersion),
    opset: toNumber((model.opsetImport ?? []).find((o) => !o.domain)?.version),
    producerName: model.producerName ?? '',
    producerVersion: model.producerVersion ?? '',
    inputs: (model.graph?.input ?? []).map(summarizeValue),
    outputs: (model.graph?.output ?? []).map(summarizeValue),
    operators: (model.graph?.node ?? []).map((n) => n.opType ?? ''),
    metadata,
    parameters: countGraphParameters(model),
  };
  if (metadata.hypertx !== undefined) {
    try {
      summary.hypertx = JSON.parse(metadata.hypertx);
    } catch {
      // leave it out: the raw string is still in `metadata`
    }
  }
  return summary;
}
