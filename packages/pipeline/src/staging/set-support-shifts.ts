/**
 * Support shifts as a model's own setting: writes the fill (images per class, made up with shifted
 * copies before generating; core's support-shifts.ts) into a model file's metadata, so compile,
 * eval and every server or worker use it by default. A sweep measures validation accuracy for
 * several fills, to choose one without touching the test episodes.
 */
import type { BackendChoice } from '@hypertx/core';
import { HypertxError } from '@hypertx/export';
import { resolveModel } from '../models.js';
import { throwIfAborted, type ProgressCallback } from '../progress.js';
import { validationEpisodes } from './validation-episodes.js';
import { writeStagedModel } from './write-staged-model.js';

export interface SetSupportShiftsOptions {
  /** The trained HyperTransformer: a bundled model name or a .hxmodel/.hxckpt path. */
  model: string;
  /** Where to write the model with the setting (a .hxckpt keeps the training state; any other file gets the weights alone); omit to only sweep. */
  out?: string;
  /** Images per class to fill to (0 = off; default 25). */
  fill?: number;
  /** Validation accuracy for each fill (needs `data`: a packed Omniglot folder; 300 episodes per shape on the held-out alphabets, seed 7). */
  sweep?: { fills: readonly number[]; shapes?: readonly string[] };
  data?: string;
  backend?: BackendChoice;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

export interface SetSupportShiftsResult {
  out?: string;
  sweep: { shape: string; fill: number; mean: number; ci95: number }[];
}

export async function setSupportShifts(options: SetSupportShiftsOptions): Promise<SetSupportShiftsResult> {
  if (!options.out && !options.sweep) throw new HypertxError('E_USAGE', 'setSupportShifts needs out (a file to write) or sweep (fills to measure)', { kind: 'usage' });
  if (options.sweep && !options.data) throw new HypertxError('E_USAGE', 'a sweep needs data (a packed Omniglot folder)', { kind: 'usage' });
  const [core, data] = await Promise.all([import('@hypertx/core'), import('@hypertx/data')]);
  const fill = core.checkSupportShifts(options.fill ?? 25, 'fill');
  for (const f of options.sweep?.fills ?? []) core.checkSupportShifts(f, 'sweep fill');
  if (!core.currentBackend()) await core.initBackend(options.backend ?? 'auto');

  const state = await core.loadCheckpoint(resolveModel(options.model));
  if (state.kind !== 'hypertransformer') throw new HypertxError('E_MODEL_KIND', `${options.model} holds a ${state.kind}; support shifts are a HyperTransformer setting`, { kind: 'input', path: options.model });
  const model = core.modelFromState(state);
  const sweep: SetSupportShiftsResult['sweep'] = [];
  if (options.sweep) {
    const heldOut = data.holdOutGroups(data.loadOmniglot(options.data!), data.OMNIGLOT_VALIDATION_ALPHABETS).heldOut;
    for (const shape of options.sweep.shapes ?? ['5w1s']) {
      const episodes = validationEpisodes(data, heldOut, shape, model.config.image.height);
      for (const f of options.sweep.fills) {
        throwIfAborted(options.signal, 'support-shifts');
        options.onProgress?.({ type: 'stage', task: 'support-shifts', message: `${shape}: fill ${f}` });
        model.supportShifts = f;
        const r = await core.evaluate(model, episodes, { bnMode: 'support' });
        sweep.push({ shape, fill: f, mean: r.mean, ci95: r.ci95 });
      }
    }
  }
  model.dispose();
  const result: SetSupportShiftsResult = { sweep };
  if (options.out) {
    const { [core.SUPPORT_SHIFTS_KEY]: _old, ...metadata } = state.metadata ?? {};
    await writeStagedModel(core, options.out, { ...state, metadata: fill ? { ...metadata, [core.SUPPORT_SHIFTS_KEY]: String(fill) } : metadata });
    result.out = options.out;
  }
  return result;
}
