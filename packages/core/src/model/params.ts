/**
 * Parameter layout: every trainable tensor of a HyperTransformer has a stable name and lives in
 * ONE flat float32 variable. The forward pass splits it into views (one SplitV op, whose gradient
 * is one Concat), so the optimiser and gradient clipping run a handful of ops per step instead of
 * several per tensor (there are ~230 tensors; per-op overhead dominates on wasm).
 *
 * Initialisation follows the authors' TF1 defaults: glorot-uniform kernels, zero biases,
 * N(0, 1) label/weight embeddings, LayerNorm and BatchNorm γ = 1, β = 0.
 */
import type { HyperTransformerConfig, ModelPlan, TransformerDims } from '../config.js';
import { planModel } from '../config.js';
import { Random } from '@hypertx/export';

export type InitKind =
  | { kind: 'zeros' }
  | { kind: 'ones' }
  | { kind: 'normal' }
  | { kind: 'glorot'; fanIn: number; fanOut: number }
  /** A `[rows, Σ widths]` matrix made of column blocks, each glorot-uniform with its own fan-out (fused q|k|v). */
  | { kind: 'glorotColumns'; fanIn: number; widths: number[] };

export interface ParamSpec {
  name: string;
  shape: number[];
  init: InitKind;
}

export interface ParamEntry extends ParamSpec {
  offset: number;
  size: number;
}

export interface ParamLayout {
  entries: ParamEntry[];
  byName: Map<string, ParamEntry>;
  total: number;
}

const zeros: InitKind = { kind: 'zeros' };
const ones: InitKind = { kind: 'ones' };

function convSpecs(prefix: string, k: number, cin: number, cout: number, bias: boolean): ParamSpec[] {
  const specs: ParamSpec[] = [{ name: `${prefix}/kernel`, shape: [k, k, cin, cout], init: { kind: 'glorot', fanIn: k * k * cin, fanOut: k * k * cout } }];
  if (bias) specs.push({ name: `${prefix}/bias`, shape: [cout], init: zeros });
  return specs;
}

function denseSpecs(prefix: string, inDim: number, outDim: number): ParamSpec[] {
  return [
    { name: `${prefix}/kernel`, shape: [inDim, outDim], init: { kind: 'glorot', fanIn: inDim, fanOut: outDim } },
    { name: `${prefix}/bias`, shape: [outDim], init: zeros },
  ];
}

function transformerSpecs(prefix: string, dims: TransformerDims, layers: number): ParamSpec[] {
  const specs: ParamSpec[] = [];
  const E = dims.width;
  for (let b = 0; b < layers; b++) {
    const p = `${prefix}/block${b}`;
    // The q, k and v Dense layers are stored side by side as one [E, 2·qk + v] matrix (one
    // matMul instead of three); each block keeps its own glorot fan-out.
    const widths = [dims.keyQuery, dims.keyQuery, dims.value];
    const qkv = 2 * dims.keyQuery + dims.value;
    specs.push({ name: `${p}/qkv/kernel`, shape: [E, qkv], init: { kind: 'glorotColumns', fanIn: E, widths } });
    specs.push({ name: `${p}/qkv/bias`, shape: [qkv], init: zeros });
    specs.push(...denseSpecs(`${p}/attention_output`, dims.value, E));
    specs.push({ name: `${p}/ln1/gamma`, shape: [E], init: ones }, { name: `${p}/ln1/beta`, shape: [E], init: zeros });
    specs.push(...denseSpecs(`${p}/ffn1`, E, dims.inner));
    specs.push(...denseSpecs(`${p}/ffn2`, dims.inner, E));
    specs.push({ name: `${p}/ln2/gamma`, shape: [E], init: ones }, { name: `${p}/ln2/beta`, shape: [E], init: zeros });
  }
  return specs;
}

export function paramSpecs(config: HyperTransformerConfig, plan: ModelPlan = planModel(config)): ParamSpec[] {
  const specs: ParamSpec[] = [];
  const d = config.embeddingDim;
  plan.shared.forEach((c, i) => specs.push(...convSpecs(`shared/conv${i}`, 3, c.inChannels, c.features, true)));
  const generatorSpecs = (prefix: string, layer: ModelPlan['layers'][number] | ModelPlan['logits']) => {
    layer.localFe.forEach((c, i) => specs.push(...convSpecs(`${prefix}/fe/conv${i}`, c.kernel, c.inChannels, c.features, true)));
    specs.push({ name: `${prefix}/label_embedding`, shape: [config.maxWays + 1, d], init: { kind: 'normal' } });
    specs.push({ name: `${prefix}/weight_embedding`, shape: [layer.tokens, d], init: { kind: 'normal' } });
    specs.push(...transformerSpecs(`${prefix}/transformer`, layer.dims, config.transformer.layers));
  };
  for (const layer of plan.layers) {
    if (layer.generated) generatorSpecs(`layer${layer.index}`, layer);
    // A trained kernel: the whole kernel of a trained block, or the base that a generated kernel adds to.
    if (!layer.generated || config.cnn.addTrainableWeights) {
      specs.push(...convSpecs(`cnn/conv${layer.index}`, config.cnn.kernelSize, layer.inChannels, layer.outChannels, false));
    }
    specs.push({ name: `cnn/bn${layer.index}/gamma`, shape: [layer.outChannels], init: ones });
    specs.push({ name: `cnn/bn${layer.index}/beta`, shape: [layer.outChannels], init: zeros });
  }
  generatorSpecs(`layer${plan.logits.index}`, plan.logits);
  return specs;
}

export function makeLayout(specs: ParamSpec[]): ParamLayout {
  let offset = 0;
  const entries: ParamEntry[] = specs.map((s) => {
    const size = s.shape.reduce((a, b) => a * b, 1);
    const e = { ...s, offset, size };
    offset += size;
    return e;
  });
  return { entries, byName: new Map(entries.map((e) => [e.name, e])), total: offset };
}

/** Deterministic initial values for a layout (same seed → same bytes, on every backend). */
export function initialValues(layout: ParamLayout, seed: number): Float32Array {
  const rng = new Random(seed);
  const out = new Float32Array(layout.total);
  for (const e of layout.entries) {
    const view = out.subarray(e.offset, e.offset + e.size);
    switch (e.init.kind) {
      case 'zeros':
        break;
      case 'ones':
        view.fill(1);
        break;
      case 'normal':
        for (let i = 0; i < view.length; i++) view[i] = rng.normal();
        break;
      case 'glorot': {
        const limit = Math.sqrt(6 / (e.init.fanIn + e.init.fanOut));
        for (let i = 0; i < view.length; i++) view[i] = (rng.next() * 2 - 1) * limit;
        break;
      }
      case 'glorotColumns': {
        const cols = e.init.widths.reduce((a, b) => a + b, 0);
        const limits: number[] = [];
        for (const w of e.init.widths) for (let j = 0; j < w; j++) limits.push(Math.sqrt(6 / (e.init.fanIn + w)));
        for (let i = 0; i < view.length; i++) view[i] = (rng.next() * 2 - 1) * (limits[i % cols] as number);
        break;
      }
    }
  }
  return out;
}
