/**
 * @hypertx/core: the HyperTransformer on TensorFlow.js — model, training, checkpoints,
 * evaluation, and generate(support) → StandaloneCnn.
 */
export * from './config.js';
export * from './episode.js';
export * from './backend.js';
export { makeSyntheticEpisode, type SyntheticEpisodeOptions } from './synthetic.js';
export { createHyperTransformer, modelFromValues, parameterCount, type HyperTransformer, type EpisodicModel, type ModelKind } from './model/hypertransformer.js';
export { createProtoNet, protoNetFromValues, type ProtoNet } from './model/protonet.js';
export { forward, crossEntropy, defaultEpisodeConv, type ForwardOptions, type ForwardResult, type BlockWeights, type EpisodeConvForm } from './model/forward.js';
export { estimateBnPrior, type BnPrior } from './model/bn-prior.js';
export { paramSpecs, type ParamSpec, type ParamLayout, type ParamEntry } from './model/params.js';
export { generate, defaultNormalization, supportSetHash, PRODUCER, type GenerateOptions } from './generate.js';
export { evaluate, meanAndCi95, scoreBatch, type EvaluationResult, type EvaluateOptions } from './evaluate.js';
export {
  saveCheckpoint,
  loadCheckpoint,
  encodeCheckpoint,
  decodeCheckpoint,
  upgradeCheckpoint,
  assertSameConfig,
  modelFromState,
  saveModel,
  SUPPORT_SHIFTS_KEY,
  loadModel,
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  type TrainState,
} from './checkpoint.js';
export { Trainer, type TrainerOptions, type TrainProgress, type StepResult, type EpisodeSource } from './train/trainer.js';
export { distillationLoss, validateDistillation, type Distillation } from './train/distillation.js';
export { withTeacherLogits, assertTeacherFits } from './train/teacher.js';
export { passPixelBudget } from './train/gradient.js';
export { FlatOptimizer, clipByGlobalNorm, type OptimizerConfig, type OptimizerState } from './train/optimizer.js';
export { learningRate, type LrSchedule } from './train/schedule.js';
export { describeSupport, checkSupport, type SupportDescription } from './accepted-support.js';
export { tf } from './tf.js';
export { startDispatchCount, countDispatches, type DispatchCount, type DispatchCounter } from './dispatches.js';
export { predict, type Prediction } from './predict.js';
export { selfLabel } from './self-label.js';
export { MAX_SUPPORT_SHIFTS, SUPPORT_SHIFT_OFFSETS, checkSupportShifts, shiftCopiesPerImage, shiftFillSupport } from './support-shifts.js';
export { readAhead, readsAsync } from './read.js';
export { adapterLabel, type GpuAdapterDescription } from './webgpu.js';
