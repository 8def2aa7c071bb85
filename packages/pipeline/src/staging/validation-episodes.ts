/**
 * The episodes staging sweeps choose settings on: 300 per shape from the held-out (validation)
 * alphabets, seed 7 — the checkpoint-selection episodes of training, never the test episodes.
 */
import type { FewShotSource } from '@hypertx/data';
import { HypertxError } from '@hypertx/export';

/** 300 validation episodes of a shape written `5w1s` or `5w1s+2u` (ways, shots, unlabelled per class). */
export function validationEpisodes(data: typeof import('@hypertx/data'), heldOut: FewShotSource, shape: string, size: number) {
  const m = /^(\d+)w(\d+)s(?:\+(\d+)u)?$/.exec(shape);
  if (!m) throw new HypertxError('E_USAGE', `episode shape "${shape}" is not like 5w1s or 5w1s+2u`, { kind: 'usage' });
  const sampler = data.createEpisodeSampler(heldOut, { ways: +m[1]!, shots: +m[2]!, unlabeled: +(m[3] ?? 0), queries: 5, imageSize: size, seed: 7 });
  return Array.from({ length: 300 }, () => sampler.next());
}
