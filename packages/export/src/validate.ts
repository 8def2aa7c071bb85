/**
 * Shape inference and validation of a StandaloneCnn.
 *
 * Every exporter and the reference engine call `validate` first, so a broken model is rejected
 * with a message naming the layer, field and values at fault before any byte is written.
 */
import { describeValue } from './describe-value.js';
import { HypertxError } from './errors.js';
import type { InputSpec, Layer, StandaloneCnn, Tensor } from './ir.js';
import { spatialOutputSize } from './padding.js';

/** `[height, width, channels]` for feature maps, `[features]` after flatten / global pooling. */
export type ActivationShape = [number, number, number] | [number];

export interface ShapeTrace {
  /** `[height, width, channels]` of the (normalised) input. */
  input: [number, number, number];
  /** Output shape of each entry of `model.layers`, same indices. */
  layerOutputs: ActivationShape[];
  /** Shape of the logits: the output of the last layer that is not a trailing softmax. */
  logits: [number];
  /** Number of classes (= labels.length = logits width). */
  classes: number;
  /** True when the last layer is a softmax (then `layerOutputs` ends with the probabilities). */
  hasSoftmax: boolean;
}

export const E_IR_INVALID = 'E_IR_INVALID';

const KNOWN_LAYER_TYPES = new Set<string>([
  'conv2d',
  'batchnorm',
  'relu',
  'leaky_relu',
  'maxpool2d',
  'avgpool2d',
  'global_avg_pool',
  'flatten',
  'dense',
  'softmax',
]);

function invalid(message: string, hint?: string): HypertxError {
  return new HypertxError(E_IR_INVALID, message, {
    kind: 'input',
    hint: hint ?? 'The StandaloneCnn is malformed; regenerate it or fix the named field.',
  });
}

export function formatShape(shape: readonly number[]): string {
  // A shape read from a file may hold anything: only plain numbers are joined as they are.
  return shape.every((d) => typeof d === 'number') ? `[${shape.join(',')}]` : describeValue(shape);
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** Checks a tensor's shape, data type and contents; `where` prefixes the message ("layer 3 (conv2d): weights"). */
function checkTensor(tensor: Tensor | undefined, where: string, rank: number): Tensor {
  if (tensor === undefined || tensor === null || typeof tensor !== 'object') {
    throw invalid(`${where} is missing`);
  }
  const { shape, data } = tensor;
  if (!Array.isArray(shape) || shape.length !== rank) {
    throw invalid(
      `${where} shape ${Array.isArray(shape) ? formatShape(shape) : describeValue(shape)} must have ${rank} dimension${rank === 1 ? '' : 's'}`,
    );
  }
  if (!shape.every(isPositiveInteger)) {
    throw invalid(`${where} shape ${formatShape(shape)} must contain positive integers only`);
  }
  if (!(data instanceof Float32Array)) {
    throw invalid(`${where} data must be a Float32Array`);
  }
  const expected = shape.reduce((a, b) => a * b, 1);
  if (data.length !== expected) {
    throw invalid(
      `${where} has ${data.length} values, but shape ${formatShape(shape)} needs ${expected}`,
    );
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw invalid(`${where} contains ${data[i]} at flat index ${i}; every value must be finite`);
    }
  }
  return tensor;
}

function checkInput(input: InputSpec): [number, number, number] {
  if (input === undefined || input === null || typeof input !== 'object') {
    throw invalid('input spec is missing');
  }
  for (const field of ['height', 'width', 'channels'] as const) {
    if (!isPositiveInteger(input[field])) {
      throw invalid(`input.${field} is ${describeValue(input[field])}; it must be a positive integer`);
    }
  }
  const norm = input.normalization;
  if (norm === undefined || norm === null || typeof norm !== 'object') {
    throw invalid('input.normalization is missing');
  }
  for (const field of ['scale', 'offset'] as const) {
    const values = norm[field];
    if (!Array.isArray(values) || values.length !== input.channels) {
      throw invalid(
        `input.normalization.${field} has ${Array.isArray(values) ? values.length : 'no'} values, but the input has ${input.channels} channel${input.channels === 1 ? '' : 's'}`,
      );
    }
    values.forEach((v, i) => {
      if (!isFiniteNumber(v)) {
        throw invalid(`input.normalization.${field}[${i}] is ${describeValue(v)}; it must be a finite number`);
      }
    });
  }
  return [input.height, input.width, input.channels];
}

function checkLabels(labels: string[]): void {
  if (!Array.isArray(labels) || labels.length === 0) {
    throw invalid('the model has no labels; it needs one label per class', 'Pass the class names in output order.');
  }
  labels.forEach((label, i) => {
    if (typeof label !== 'string') {
      throw invalid(`labels[${i}] is ${typeof label}; labels must be strings`);
    }
  });
}

function checkMetadata(model: StandaloneCnn): void {
  const m = model.metadata;
  if (m === undefined || m === null || typeof m !== 'object') throw invalid('metadata is missing');
  if (typeof m.producer !== 'string') throw invalid('metadata.producer must be a string');
  for (const field of ['modelId', 'supportSetHash'] as const) {
    if (m[field] !== undefined && typeof m[field] !== 'string') {
      throw invalid(`metadata.${field} must be a string when present`);
    }
  }
  if (m.extra !== undefined) {
    if (m.extra === null || typeof m.extra !== 'object') throw invalid('metadata.extra must be an object of strings');
    for (const [key, value] of Object.entries(m.extra)) {
      if (typeof value !== 'string') throw invalid(`metadata.extra${/^[\w-]{1,40}$/.test(key) ? `.${key}` : `[${describeValue(key)}]`} is ${typeof value}; extra values must be strings`);
    }
  }
}

function spatial(shape: ActivationShape, where: string): [number, number, number] {
  if (shape.length !== 3) {
    throw invalid(`${where} needs a feature map [H,W,C], but its input is flat ${formatShape(shape)}`);
  }
  return shape;
}

function checkWindow(
  layer: { stride: number; padding: string },
  where: string,
): void {
  if (!isPositiveInteger(layer.stride)) {
    throw invalid(`${where} stride is ${describeValue(layer.stride)}; it must be a positive integer`);
  }
  if (layer.padding !== 'same' && layer.padding !== 'valid') {
    throw invalid(`${where} padding is ${describeValue(layer.padding)}; it must be "same" or "valid"`);
  }
}

function windowOutput(
  inShape: [number, number, number],
  kh: number,
  kw: number,
  stride: number,
  padding: 'same' | 'valid',
  where: string,
): [number, number] {
  const oh = spatialOutputSize(inShape[0], kh, stride, padding);
  const ow = spatialOutputSize(inShape[1], kw, stride, padding);
  if (oh < 1 || ow < 1) {
    throw invalid(
      `${where} window ${kh}x${kw} with "valid" padding does not fit the ${inShape[0]}x${inShape[1]} input: the output would be ${Math.max(oh, 0)}x${Math.max(ow, 0)}`,
      'Use "same" padding, a smaller window, or fewer downsampling layers.',
    );
  }
  return [oh, ow];
}

function inferLayer(layer: Layer, index: number, inShape: ActivationShape, isLast: boolean): ActivationShape {
  const type = (layer as { type?: unknown }).type;
  if (typeof type !== 'string' || !KNOWN_LAYER_TYPES.has(type)) {
    throw invalid(
      `layer ${index}: unknown layer type ${describeValue(type)}; known types are ${[...KNOWN_LAYER_TYPES].join(', ')}`,
      'This model may come from a newer hypertx; upgrade @hypertx/export.',
    );
  }
  const where = `layer ${index} (${layer.type}):`;
  switch (layer.type) {
    case 'conv2d': {
      const x = spatial(inShape, where);
      const w = checkTensor(layer.weights, `${where} weights`, 4);
      const [kh, kw, cin, cout] = w.shape as [number, number, number, number];
      if (cin !== x[2]) {
        throw invalid(
          `${where} weights shape ${formatShape(w.shape)} expects input channels ${cin}, but the input has ${x[2]} channels`,
        );
      }
      if (layer.bias !== undefined) {
        const b = checkTensor(layer.bias, `${where} bias`, 1);
        if (b.shape[0] !== cout) {
          throw invalid(`${where} bias shape ${formatShape(b.shape)} must be [${cout}] to match the ${cout} output channels`);
        }
      }
      checkWindow(layer, where);
      const [oh, ow] = windowOutput(x, kh, kw, layer.stride, layer.padding, where);
      return [oh, ow, cout];
    }
    case 'batchnorm': {
      const channels = inShape[inShape.length - 1]!;
      for (const field of ['mean', 'variance', 'gamma', 'beta'] as const) {
        const t = checkTensor(layer[field], `${where} ${field}`, 1);
        if (t.shape[0] !== channels) {
          throw invalid(`${where} ${field} shape ${formatShape(t.shape)} must be [${channels}] to match the input's ${channels} channels`);
        }
      }
      if (!isFiniteNumber(layer.epsilon) || layer.epsilon < 0) {
        throw invalid(`${where} epsilon is ${describeValue(layer.epsilon)}; it must be a finite number ≥ 0`);
      }
      layer.variance.data.forEach((v, c) => {
        if (v < 0 || v + layer.epsilon <= 0) {
          throw invalid(`${where} variance[${c}] is ${v} (epsilon ${layer.epsilon}); variance + epsilon must be > 0`);
        }
      });
      return [...inShape] as ActivationShape;
    }
    case 'relu':
      return [...inShape] as ActivationShape;
    case 'leaky_relu':
      if (!isFiniteNumber(layer.alpha)) {
        throw invalid(`${where} alpha is ${describeValue(layer.alpha)}; it must be a finite number`);
      }
      return [...inShape] as ActivationShape;
    case 'maxpool2d':
    case 'avgpool2d': {
      const x = spatial(inShape, where);
      if (!isPositiveInteger(layer.size)) {
        throw invalid(`${where} size is ${describeValue(layer.size)}; it must be a positive integer`);
      }
      checkWindow(layer, where);
      const [oh, ow] = windowOutput(x, layer.size, layer.size, layer.stride, layer.padding, where);
      return [oh, ow, x[2]];
    }
    case 'global_avg_pool': {
      const x = spatial(inShape, where);
      return [x[2]];
    }
    case 'flatten':
      return [inShape.reduce((a, b) => a * b, 1)];
    case 'dense': {
      if (inShape.length !== 1) {
        throw invalid(
          `${where} needs a flat input, but gets the feature map ${formatShape(inShape)}`,
          'Add a flatten or global_avg_pool layer before the dense layer.',
        );
      }
      const w = checkTensor(layer.weights, `${where} weights`, 2);
      const [fin, fout] = w.shape as [number, number];
      if (fin !== inShape[0]) {
        throw invalid(`${where} weights shape ${formatShape(w.shape)} expects ${fin} input features, but the input has ${inShape[0]}`);
      }
      if (layer.bias !== undefined) {
        const b = checkTensor(layer.bias, `${where} bias`, 1);
        if (b.shape[0] !== fout) {
          throw invalid(`${where} bias shape ${formatShape(b.shape)} must be [${fout}] to match the ${fout} outputs`);
        }
      }
      return [fout];
    }
    case 'softmax':
      if (!isLast) {
        throw invalid(`${where} softmax is only allowed as the last layer (it marks the end of the logits)`);
      }
      if (inShape.length !== 1) {
        throw invalid(`${where} needs flat logits, but gets the feature map ${formatShape(inShape)}`);
      }
      return [...inShape] as ActivationShape;
  }
}

/** Validates `model` and infers every layer's output shape. Throws HypertxError `E_IR_INVALID`. */
export function validate(model: StandaloneCnn): ShapeTrace {
  if (model === null || typeof model !== 'object') throw invalid('the model is not an object');
  const input = checkInput(model.input);
  checkLabels(model.labels);
  checkMetadata(model);
  if (!Array.isArray(model.layers) || model.layers.length === 0) {
    throw invalid('the model has no layers');
  }
  const layerOutputs: ActivationShape[] = [];
  let shape: ActivationShape = input;
  model.layers.forEach((layer, index) => {
    if (layer === null || typeof layer !== 'object') throw invalid(`layer ${index} is not an object`);
    shape = inferLayer(layer, index, shape, index === model.layers.length - 1);
    layerOutputs.push(shape);
  });
  const hasSoftmax = model.layers[model.layers.length - 1]!.type === 'softmax';
  const logitsShape = hasSoftmax
    ? layerOutputs[layerOutputs.length - 2] ?? input
    : shape;
  if (logitsShape.length !== 1) {
    throw invalid(
      `the last layer outputs the feature map ${formatShape(logitsShape)}, but the model must end in flat logits [classes]`,
      'End the model with flatten/global_avg_pool and a dense layer.',
    );
  }
  if (logitsShape[0] !== model.labels.length) {
    throw invalid(
      `the logits have width ${logitsShape[0]}, but the model has ${model.labels.length} labels`,
      'There must be exactly one label per output class.',
    );
  }
  return {
    input,
    layerOutputs,
    logits: [logitsShape[0]],
    classes: logitsShape[0],
    hasSoftmax,
  };
}
