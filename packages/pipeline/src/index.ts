/**
 * @hypertx/pipeline: the hypertx use-cases as a library — what the `hypertx` command, a server or a
 * queue worker calls. Importing it is cheap: TensorFlow.js, the image decoder and the runtimes load
 * on the first call that needs them.
 *
 *   const result = await compile('my-glyphs/', { formats: ['tflite'] });
 *   await writeCompiled(result.formats, { output: 'out/', baseName: 'my-glyphs' });
 */
export { compile, type CompileOptions, type CompileResult, type SupportInput } from './compile/compile.js';
export type { CompiledFormat, Verification } from './compile/export-and-verify.js';
export type { Agreement } from './compile/compare.js';
export type { LabelledImageBytes, UnlabelledImageBytes } from '@hypertx/data';
export { writeCompiled, type WriteTarget, type WrittenFormat } from './output/write-compiled.js';
export { planOutputs, baseNameOf, type OutputPlan, type PlanOutputsOptions } from './output/plan-outputs.js';
export { checkOutputDirectory } from './output/output-directory.js';
export { writeOutputSet, type OutputFile } from './output/write-output-set.js';
export { recoverOutputFolder, type Recovered } from './output/recover-outputs.js';
export { discardOwnStaging } from './output/staging-folder.js';
export { DEFAULT_FORMATS, formatIds, formatPlugin, formatDisplayName, parseFormats } from './formats.js';
export { evaluate, type EvaluateOptions, type EvaluateResult, type Engine } from './evaluate/evaluate.js';
export { train, defaultTrainingThreads, resolveRecipe, recipeConfig, checkRecipe, type TrainOptions, type TrainResult } from './train/train.js';
export { RECIPE_SCHEMA_FILE } from './train/recipe-schema.js';
export { VALIDATION_GLYPHS } from './train/alphabet-split.js';
export type { RecipeOrigin } from './train/recipe-validation.js';
export { BUILT_IN_RECIPES, builtInRecipe, omniglotRecipe, type TrainingRecipe, type ConfigOverrides, type Count } from './train/recipe.js';
export { stageFromProtoNet, type StageOptions, type StageResult } from './staging/stage-from-protonet.js';
export { addBnPrior, type AddBnPriorOptions, type AddBnPriorResult } from './staging/add-bn-prior.js';
export { setSupportShifts, type SetSupportShiftsOptions, type SetSupportShiftsResult } from './staging/set-support-shifts.js';
export { verifyModelFile, runModelBytes, type VerifyOptions, type VerifyResult } from './verify.js';
export { inspectFile, type FileSummary } from './inspect.js';
export { readModelFile, type ModelFileSummary, type LoadedModelFile } from './model-files/read-model-file.js';
export type { HyperTransformerFileSummary } from './model-files/read-hypertransformer-file.js';
export { loadRawSupport, type RawSupport } from './model-files/raw-support.js';
export { upgradeModelFile, type UpgradeResult } from './model-files/upgrade-model-file.js';
export { bundledModels, bundledModelPath, resolveModel, loadModel, DEFAULT_MODEL, MODELS_DIR, type LoadedModel } from './models.js';
export { HypertxError, isHypertxError, type ErrorKind } from '@hypertx/export';
export { throwIfAborted, type ProgressEvent, type ProgressCallback, type Task } from './progress.js';
export { compileBatch, prepareBatch, triageSet, setErrorOf, type SetToCompile, type CompileBatchOptions, type BatchSetResult, type BatchSummary, type PreparedBatch } from './batch/compile-batch.js';
export { CompilePool, type CompilePoolOptions, type PoolCompileOptions, type CompileReply, type SetError } from './batch/compile-pool.js';
export { listSupportSets, readSupportSet, supportSetKey, modelFileId, type SupportSetSource, type PortableSupportSet, type CompileSettings } from './batch/support-sets.js';
export { isSetDone, writeSetOutputs, setFolder, SET_RECORD, type SetRecord, type SetCompilation } from './batch/set-outputs.js';
