/**
 * Reads a HyperTransformer or ProtoNet file from `hypertx train` (.hxmodel, or a resumable .hxckpt)
 * into a summary for `inspect`: what it generates, which support sets it accepts, how it was trained.
 */
import { HypertxError, readInputFile } from '@hypertx/export';

export interface HyperTransformerFileSummary {
  path: string;
  format: 'hxmodel' | 'hxckpt';
  bytes: number;
  kind: 'hypertransformer' | 'protonet';
  image: { height: number; width: number; channels: number };
  cnn: {
    layers: number;
    /** One width for every block, or one per block. */
    channels: number | number[];
    kernelSize: number;
    /** Conv blocks whose weights the transformer writes per support set (the rest are trained once). */
    generatedConvLayers: number;
    logits: 'generated' | 'prototype + generated correction' | 'prototypes';
  };
  /** Support sets the model accepts, in words (the same text compile's errors use). */
  accepts: string;
  /** Trained parameters of the HyperTransformer (or ProtoNet) itself, not of the CNN it writes. */
  parameters: number;
  /** Weight of the population BatchNorm statistics blended into support statistics; absent: support alone. */
  bnPriorWeight?: number;
  /** Images per class that generation fills each class up to with shifted copies (0: off); compile's default for this model. */
  supportShifts: number;
  /** Optimisation steps in the file's own run (a model file saved from training keeps its step in metadata). */
  step: number;
  /** Adam/SGD state is present: `hypertx train --resume` can continue from this file. */
  resumable: boolean;
  /** Free-form training facts written by train (recipe, step, validation). */
  metadata: Record<string, string>;
}

/** The first bytes of every hypertx checkpoint header (see core's checkpoint.ts). */
const HEADER_START = '{"format":"hypertx-checkpoint"';

/** Whether these bytes are a hypertx checkpoint container, whatever the file is called. */
export function isHyperTransformerFile(bytes: Uint8Array): boolean {
  return bytes.length >= 8 + HEADER_START.length && new TextDecoder().decode(bytes.subarray(8, 8 + HEADER_START.length)) === HEADER_START;
}

export async function readHyperTransformerFile(path: string, bytes?: Uint8Array): Promise<HyperTransformerFileSummary> {
  const data = bytes ?? new Uint8Array(await readInputFile(path, 'model'));
  const { decodeCheckpoint, describeSupport } = await import('@hypertx/core');
  let state;
  try {
    state = decodeCheckpoint(data, path);
  } catch (err) {
    if (err instanceof HypertxError) throw err;
    throw new HypertxError('E_CHECKPOINT_CORRUPT', `${path}: not a readable hypertx model (${(err as Error).message})`, { kind: 'input', path, cause: err });
  }
  const { config } = state;
  const protonet = state.kind === 'protonet';
  const support = describeSupport(config);
  // The support-shift setting is how the model generates, not a training fact: reported on its own.
  const { supportShifts: shifts, ...trained } = state.metadata ?? {};
  return {
    path,
    format: state.optimizer ? 'hxckpt' : 'hxmodel',
    bytes: data.byteLength,
    kind: state.kind,
    image: { ...config.image },
    cnn: {
      layers: config.cnn.layers,
      channels: config.cnn.channels,
      kernelSize: config.cnn.kernelSize,
      generatedConvLayers: protonet ? 0 : config.cnn.layers - config.cnn.trainedConvLayers,
      logits: protonet ? 'prototypes' : config.cnn.addPrototypeLogits ? 'prototype + generated correction' : 'generated',
    },
    accepts: support.text,
    parameters: state.params.length,
    ...(state.bnPrior ? { bnPriorWeight: state.bnPrior.weight } : {}),
    supportShifts: shifts === undefined ? 0 : Number(shifts),
    step: state.step,
    resumable: state.optimizer !== null,
    metadata: trained,
  };
}
