/** Plan → float32 TfliteGraph. Every float operator is version 1. */
import type { TfliteGraph } from './graph.js';
import { TfliteGraphBuilder } from './graph-builder.js';
import type { Plan, PlanOp } from './plan.js';
import { BuiltinOperator, TensorType } from './schema.js';
import { SIGNATURE, type GraphFrame } from './signature.js';

export function emitFloatGraph(plan: Plan, frame: GraphFrame): TfliteGraph {
  const g = new TfliteGraphBuilder();
  const [h, w, c] = plan.input;
  const input = g.activation(SIGNATURE.input, TensorType.FLOAT32, [1, h, w, c]);
  let x = input;
  plan.ops.forEach((op, i) => {
    x = emitOp(g, op, i, x);
  });
  // Name the logits tensor after the signature output (it may be the output of any op).
  let logits = x;
  if (logits === input) {
    logits = g.activation(SIGNATURE.logits, TensorType.FLOAT32, [1, plan.classes]);
    reshape(g, x, logits, [1, plan.classes], 'logits');
  } else {
    g.tensor(logits).name = SIGNATURE.logits;
  }
  const probabilities = g.activation(SIGNATURE.probabilities, TensorType.FLOAT32, [1, plan.classes]);
  g.op({ op: BuiltinOperator.SOFTMAX, version: 1, inputs: [logits], outputs: [probabilities], options: { kind: 'softmax', beta: 1 } });
  return g.finish({
    description: frame.description,
    inputs: [input],
    outputs: [logits, probabilities],
    signature: {
      key: SIGNATURE.key,
      inputs: [{ name: SIGNATURE.input, tensor: input }],
      outputs: [
        { name: SIGNATURE.logits, tensor: logits },
        { name: SIGNATURE.probabilities, tensor: probabilities },
      ],
    },
    metadata: frame.metadata,
  });
}

function emitOp(g: TfliteGraphBuilder, op: PlanOp, index: number, x: number): number {
  const name = `op${index}_${op.kind}`;
  const out = g.activation(name, TensorType.FLOAT32, [1, ...op.out]);
  switch (op.kind) {
    case 'conv2d': {
      const w = g.constant(`${name}/weights`, TensorType.FLOAT32, op.weights.shape, op.weights.data);
      const b = g.constant(`${name}/bias`, TensorType.FLOAT32, [op.bias.length], op.bias);
      g.op({
        op: BuiltinOperator.CONV_2D,
        version: 1,
        inputs: [x, w, b],
        outputs: [out],
        options: { kind: 'conv2d', padding: op.padding, strideH: op.stride, strideW: op.stride, activation: op.relu ? 'relu' : 'none' },
      });
      return out;
    }
    case 'affine': {
      const channels = op.scale.length;
      const w = g.constant(`${name}/scale`, TensorType.FLOAT32, [1, 1, 1, channels], op.scale);
      const b = g.constant(`${name}/shift`, TensorType.FLOAT32, [channels], op.shift);
      const options = { kind: 'depthwise_conv2d', strideH: 1, strideW: 1, activation: op.relu ? 'relu' : 'none' } as const;
      if (op.out.length === 3) {
        g.op({ op: BuiltinOperator.DEPTHWISE_CONV_2D, version: 1, inputs: [x, w, b], outputs: [out], options });
        return out;
      }
      // A flat [n] activation goes through DEPTHWISE_CONV_2D as [1,1,1,n].
      const as4d = g.activation(`${name}/as4d`, TensorType.FLOAT32, [1, 1, 1, channels]);
      const result4d = g.activation(`${name}/result4d`, TensorType.FLOAT32, [1, 1, 1, channels]);
      reshape(g, x, as4d, [1, 1, 1, channels], `${name}/to4d`);
      g.op({ op: BuiltinOperator.DEPTHWISE_CONV_2D, version: 1, inputs: [as4d, w, b], outputs: [result4d], options });
      reshape(g, result4d, out, [1, channels], `${name}/toflat`);
      return out;
    }
    case 'relu':
      g.op({ op: BuiltinOperator.RELU, version: 1, inputs: [x], outputs: [out] });
      return out;
    case 'leaky_relu':
      g.op({ op: BuiltinOperator.LEAKY_RELU, version: 1, inputs: [x], outputs: [out], options: { kind: 'leaky_relu', alpha: op.alpha } });
      return out;
    case 'pool':
      g.op({
        op: op.mode === 'max' ? BuiltinOperator.MAX_POOL_2D : BuiltinOperator.AVERAGE_POOL_2D,
        version: 1,
        inputs: [x],
        outputs: [out],
        options: { kind: 'pool2d', padding: op.padding, strideH: op.stride, strideW: op.stride, filterH: op.size, filterW: op.size },
      });
      return out;
    case 'mean': {
      const axes = g.int32Constant(`${name}/axes`, [1, 2]);
      g.op({ op: BuiltinOperator.MEAN, version: 1, inputs: [x, axes], outputs: [out], options: { kind: 'reducer', keepDims: false } });
      return out;
    }
    case 'reshape':
      reshape(g, x, out, [1, ...op.out], name);
      return out;
    case 'dense': {
      const w = g.constant(`${name}/weights`, TensorType.FLOAT32, op.weights.shape, op.weights.data);
      const b = g.constant(`${name}/bias`, TensorType.FLOAT32, [op.bias.length], op.bias);
      g.op({
        op: BuiltinOperator.FULLY_CONNECTED,
        version: 1,
        inputs: [x, w, b],
        outputs: [out],
        options: { kind: 'fully_connected', activation: op.relu ? 'relu' : 'none' },
      });
      return out;
    }
  }
}

/** RESHAPE with both the shape tensor and `ReshapeOptions.new_shape` (old readers use the latter). */
export function reshape(g: TfliteGraphBuilder, x: number, out: number, shape: number[], name: string, version = 1): void {
  const shapeTensor = g.int32Constant(`${name}/shape`, shape);
  g.op({ op: BuiltinOperator.RESHAPE, version, inputs: [x, shapeTensor], outputs: [out], options: { kind: 'reshape', newShape: shape } });
}
