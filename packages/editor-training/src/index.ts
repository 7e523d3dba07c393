/**
 * `@crossedit/editor-training`: what the trained editors (MEND, SERAC) share — content-addressed editor
 * artifacts and their lookup (errors print the `crossedit train-editor` command), ZsRE-format and
 * pairs-file training data, token rows and losses, the resumable seeded training loop, and the
 * training-scale study's data file.
 *
 * @packageDocumentation
 */
export {
  EDITOR_FORMAT,
  artifactId,
  artifactFile,
  artifactInfo,
  dataHash,
  listArtifacts,
  readArtifact,
  writeArtifact,
  type ArtifactHeader,
  type ArtifactInfo,
  type ArtifactKey,
  type DataSource,
} from './artifact.js';
export { locateArtifact, trainEditorCommand, MissingArtifactError, ArtifactMismatchError, type LocateOptions, type TrainCommandParts } from './locate.js';
export { rotateTargets } from './targets.js';
export { runEditorLoop, type TrainEditorOptions } from './run-editor.js';
export { loadEditorData, combineData, type EditExample, type EditorData, type LoadEditorDataOptions } from './data.js';
export { editRow, collate, disposeBatch, maskedNll, maskedKl, labelAccuracy, labelAgreement, headLogits, labelLogits, selNll, selKl, selAccuracy, selAgreement, type Row, type Batch } from './rows.js';
export { trainLoop, trainingRecord, BatchOrder, type EditorTrainer, type LoopConfig, type LoopState, type LoopProgress, type TrainLoopOptions, type TrainLoopResult, type TrainPoint, type ValPoint } from './loop.js';
export { toSafe, toSafeAll, fromSafe, asF32, need } from './tensors.js';
export { baseWeightsHash } from './model-hash.js';
export { writeTrainingScale, readTrainingScale, trainingScalePoints, TRAINING_SCALE_SIZES, type TrainingScalePoint, type TrainingScaleFile, type AggregateLike } from './scale.js';
export type { SafeTensor } from '@crossedit/stats';
export { mergeConfig, readTrainingData, trainResult, TrainConfigError } from './entry.js';
