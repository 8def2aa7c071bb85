/** Learning-rate schedules (the authors use exponential decay, not staircase: lr·rate^(step/decaySteps)). */
import { usageError } from '../errors.js';

export type LrSchedule =
  | { kind: 'constant'; lr: number }
  | { kind: 'exponential'; lr: number; decayRate: number; decaySteps: number }
  | { kind: 'cosine'; lr: number; totalSteps: number; minLr?: number; warmupSteps?: number };

export function learningRate(schedule: LrSchedule, step: number): number {
  switch (schedule.kind) {
    case 'constant':
      return schedule.lr;
    case 'exponential':
      return schedule.lr * Math.pow(schedule.decayRate, step / schedule.decaySteps);
    case 'cosine': {
      const warm = schedule.warmupSteps ?? 0;
      if (step < warm) return (schedule.lr * (step + 1)) / warm;
      const min = schedule.minLr ?? 0;
      const p = Math.min(1, (step - warm) / Math.max(1, schedule.totalSteps - warm));
      return min + 0.5 * (schedule.lr - min) * (1 + Math.cos(Math.PI * p));
    }
    default:
      throw usageError('E_TRAIN_SCHEDULE', `unknown learning-rate schedule ${JSON.stringify(schedule)}`);
  }
}
