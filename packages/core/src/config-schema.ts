/**
 * The shape and bounds of a HyperTransformerConfig, as data: every number an integer or a finite
 * number in a range, every string from its enum, no unknown keys. The ranges are far above any
 * model hypertx trains (the presets use at most 84 px, 20 ways, 32 channels) and low enough that a
 * config from a file cannot make planning or allocation run away before the file's tensor sizes
 * are compared with it (checkpoint.ts). A config that fits here can still be inconsistent (too
 * many blocks for its image); planModel says so.
 */

export type Rule =
  | { type: 'integer'; min: number; max: number; odd?: boolean }
  /** A finite number; `above` is an exclusive lower bound. */
  | { type: 'number'; above: number; max: number }
  | { type: 'enum'; values: readonly (string | number)[] }
  | { type: 'boolean' }
  /** One integer for every block, or one per block (`length` names the field that gives the count). */
  | { type: 'integerOrList'; min: number; max: number; lengthOf: string }
  | { type: 'object'; fields: Record<string, Rule & { optional?: boolean }>; nullable?: boolean };

const side = { type: 'integer', min: 1, max: 1024 } as const;
const width = { type: 'integer', min: 1, max: 4096 } as const;
const blocks = { type: 'integer', min: 1, max: 16 } as const;
const epsilon = { type: 'number', above: 0, max: 1 } as const;
/** A fraction of the token width, or (> 3) an absolute width. */
const dimension = { type: 'number', above: 0, max: 4096 } as const;

export const CONFIG_SCHEMA: Rule = {
  type: 'object',
  fields: {
    version: { type: 'enum', values: [1] },
    image: { type: 'object', fields: { height: side, width: side, channels: { type: 'integer', min: 1, max: 4 } } },
    maxWays: { type: 'integer', min: 2, max: 1024 },
    cnn: {
      type: 'object',
      fields: {
        layers: blocks,
        channels: { type: 'integerOrList', min: 1, max: 1024, lengthOf: 'cnn.layers' },
        kernelSize: { type: 'integer', min: 1, max: 15, odd: true },
        stride: { type: 'integer', min: 1, max: 8 },
        activation: { type: 'enum', values: ['relu', 'lrelu'] },
        generateBias: { type: 'boolean' },
        trainedConvLayers: { type: 'integer', min: 0, max: 16 },
        addTrainableWeights: { type: 'boolean', optional: true },
        addPrototypeLogits: { type: 'boolean', optional: true },
        bnEpsilon: epsilon,
      },
    },
    embeddingDim: width,
    sharedFeatures: {
      type: 'object',
      nullable: true,
      fields: { layers: blocks, dim: width, padding: { type: 'enum', values: ['same', 'valid'] } },
    },
    localFeatures: { type: 'object', fields: { dim: { type: 'integer', min: 0, max: 4096 }, layers: blocks } },
    transformer: {
      type: 'object',
      fields: {
        layers: { type: 'integer', min: 1, max: 64 },
        heads: { type: 'integer', min: 1, max: 64 },
        keyQueryDim: dimension,
        valueDim: dimension,
        innerDim: dimension,
        activation: { type: 'enum', values: ['relu', 'lrelu', 'gelu'] },
        layerNormEpsilon: epsilon,
      },
    },
  },
};

/** One violation: the dotted field, its value and what is allowed. */
export interface SchemaViolation {
  field: string;
  value: unknown;
  allowed: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function describe(rule: Rule): string {
  switch (rule.type) {
    case 'integer':
      return `${rule.odd ? 'an odd integer' : 'an integer'} in ${rule.min}..${rule.max}`;
    case 'number':
      return `a number > ${rule.above} and ≤ ${rule.max}`;
    case 'enum':
      return `one of ${rule.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'boolean':
      return 'true or false';
    case 'integerOrList':
      return `an integer in ${rule.min}..${rule.max}, or a list of them, one per block (${rule.lengthOf})`;
    case 'object':
      return rule.nullable ? 'an object or null' : 'an object';
  }
}

function integerIn(v: unknown, min: number, max: number): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

/** The first violation of `rule` by `value` at `field` (`root` resolves `lengthOf`), or undefined. */
export function firstViolation(rule: Rule, value: unknown, field: string, root: unknown = value): SchemaViolation | undefined {
  const violation = { field, value, allowed: describe(rule) };
  switch (rule.type) {
    case 'integer':
      return integerIn(value, rule.min, rule.max) && (!rule.odd || (value as number) % 2 === 1) ? undefined : violation;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) && value > rule.above && value <= rule.max ? undefined : violation;
    case 'enum':
      return rule.values.includes(value as string | number) ? undefined : violation;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : violation;
    case 'integerOrList': {
      if (integerIn(value, rule.min, rule.max)) return undefined;
      const count = rule.lengthOf.split('.').reduce<unknown>((v, k) => (isObject(v) ? v[k] : undefined), root);
      const list = Array.isArray(value) && value.length === count && value.every((c) => integerIn(c, rule.min, rule.max));
      return list ? undefined : violation;
    }
    case 'object': {
      if (value === null && rule.nullable) return undefined;
      if (!isObject(value)) return violation;
      const prefix = field ? `${field}.` : '';
      const unknown = Object.keys(value).find((k) => !Object.hasOwn(rule.fields, k));
      if (unknown !== undefined) return { field: prefix + unknown, value: value[unknown], allowed: `no such field (known: ${Object.keys(rule.fields).join(', ')})` };
      for (const [key, child] of Object.entries(rule.fields)) {
        if (value[key] === undefined) {
          if (child.optional) continue;
          return { field: prefix + key, value: undefined, allowed: `required: ${describe(child)}` };
        }
        const found = firstViolation(child, value[key], prefix + key, root);
        if (found) return found;
      }
      return undefined;
    }
  }
}
