/** What support sets a model accepts, and a typed check. */
import type { HyperTransformerConfig } from './config.js';
import { inputError } from './errors.js';

export interface SupportDescription {
  minWays: number;
  maxWays: number;
  /** Labelled images per class: any number ≥ 1 (the transformers take any sequence length). */
  minShots: number;
  /** Unlabelled images are accepted (they only add tokens and BatchNorm statistics). */
  unlabeled: boolean;
  image: { height: number; width: number; channels: number };
  text: string;
}

export function describeSupport(config: HyperTransformerConfig): SupportDescription {
  const { height, width, channels } = config.image;
  return {
    minWays: 2,
    maxWays: config.maxWays,
    minShots: 1,
    unlabeled: true,
    image: { height, width, channels },
    text: `2–${config.maxWays} classes, ≥1 labelled image per class (any number of unlabelled images), ${height}×${width}×${channels} inputs`,
  };
}

/** Throws E_SUPPORT_WAYS / E_SUPPORT_MISSING_CLASS when labels do not fit the model. */
export function checkSupport(config: HyperTransformerConfig, labels: ArrayLike<number>): { ways: number; shots: number[] } {
  let ways = 0;
  for (let i = 0; i < labels.length; i++) ways = Math.max(ways, (labels[i] as number) + 1);
  if (ways < 2 || ways > config.maxWays) {
    throw inputError('E_SUPPORT_WAYS', `the support set has ${ways} class${ways === 1 ? '' : 'es'}; this model accepts 2–${config.maxWays}`, { hint: describeSupport(config).text });
  }
  const shots = new Array<number>(ways).fill(0);
  for (let i = 0; i < labels.length; i++) if ((labels[i] as number) >= 0) shots[labels[i] as number]! += 1;
  const missing = shots.map((s, c) => (s === 0 ? c : -1)).filter((c) => c >= 0);
  if (missing.length) throw inputError('E_SUPPORT_MISSING_CLASS', `class ${missing.join(', ')} has no labelled support image`);
  return { ways, shots };
}
