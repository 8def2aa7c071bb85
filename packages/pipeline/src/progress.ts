/**
 * One progress-event union for every use-case (compile, evaluate, train, staging), in the style of
 * transformers.js's progress callback: libraries never print; a CLI, a server or a queue worker
 * renders these events however it likes.
 */
import { HypertxError } from '@hypertx/export';
import type { BatchSetResult } from './batch/compile-batch.js';
import type { CompiledFormat } from './compile/export-and-verify.js';

/** Which use-case sent the event. */
export type Task = 'compile' | 'batch' | 'evaluate' | 'train' | 'bn-prior' | 'support-shifts' | 'stage';

export type ProgressEvent =
  /** A milestone, in words ("Loading model default"). */
  | { type: 'stage'; task: Task; message: string }
  /** Counted work: images decoded, episodes evaluated, support sets measured. */
  | { type: 'progress'; task: Task; unit: 'images' | 'episodes' | 'support sets'; done: number; total: number }
  /** compile: one format exported and (unless verification is off) verified, still in memory. */
  | { type: 'format'; task: 'compile'; file: CompiledFormat }
  /** batch: one support set compiled, skipped (outputs already there) or failed; `done` of `total` sets. */
  | { type: 'set'; task: 'batch'; result: BatchSetResult; done: number; total: number }
  /** train: the run starts (or resumes) at `step`. */
  | { type: 'train-start'; task: 'train'; /** The TensorFlow.js backend it runs on, with the GPU adapter for webgpu (`webgpu on NVIDIA H200 (nvidia hopper)`). */ backend: string; /** Threads computing each step (main + workers). */ threads: number; step: number; steps: number; resumed: boolean; trainClasses: number; validationClasses: number; parameters: number;
      /** Which alphabets train and which validate (null: procedural glyphs), and the rule that chose them. */
      alphabets: { train: string[]; validation: string[] | null; rule: string };
      /** The distillation teacher, or null. */
      teacher: { file: string; sha256: string; description: string; weight: number; temperature: number } | null }
  | { type: 'train-step'; task: 'train'; step: number; steps: number; loss: number; accuracy: number; lr: number; episodesPerSecond: number }
  /** train: validation begins (it takes seconds) and ends. */
  | { type: 'validation-start'; task: 'train'; step: number; episodes: number }
  | { type: 'validation'; task: 'train'; step: number; mean: number; ci95: number; best: boolean }
  | { type: 'checkpoint'; task: 'train'; step: number; path: string };

export type ProgressCallback = (event: ProgressEvent) => void;

/** Throws the typed "interrupted" error when `signal` has been aborted; called between units of work. */
export function throwIfAborted(signal: AbortSignal | undefined, task: Task): void {
  if (signal?.aborted) {
    throw new HypertxError('E_ABORTED', `${task} was cancelled`, { kind: 'interrupted', cause: signal.reason });
  }
}
