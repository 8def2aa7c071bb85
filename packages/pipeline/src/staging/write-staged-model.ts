/**
 * Writes the result of a staging tool (a support-shift fill, a BatchNorm prior) to its file. A
 * `.hxckpt` keeps the whole training state, so training can resume from it; any other file is a
 * model for generation and gets the weights alone: a trained run's checkpoint carries two Adam
 * moments per parameter, which would triple a shipped file without changing what it generates.
 */
import type { TrainState } from '@hypertx/core';

type Core = typeof import('@hypertx/core');

function stateToWrite(out: string, state: TrainState): TrainState {
  if (out.endsWith('.hxckpt') || !state.optimizer) return state;
  const metadata = { ...state.metadata };
  // The step the weights come from stays readable (inspect prints it), as in a training run's best.hxmodel.
  if (state.step && metadata.step === undefined) metadata.step = String(state.step);
  const { schedule: _schedule, ...rest } = state;
  return { ...rest, step: 0, rng: { seed: 0 }, optimizer: null, metadata };
}

export async function writeStagedModel(core: Core, out: string, state: TrainState): Promise<void> {
  await core.saveCheckpoint(out, stateToWrite(out, state));
}
