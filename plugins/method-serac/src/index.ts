/**
 * `@crossedit/method-serac`: SERAC (Mitchell et al., 2022) as EasyEdit runs it. The base model is never
 * changed: an edit is appended to a memory; at inference a scope classifier picks the closest cached
 * edit (similarity `exp(−‖e(c) − e(x)‖²)`), a counterfactual model reads that edit before the input, and
 * the answer is the soft mixture `log((1 − s*) p_base + s* p_cf + ε)`. `apply` loads a trained artifact
 * (built by `crossedit train-editor --method serac`) and never trains.
 *
 * @packageDocumentation
 */
import { defineMethod } from '@crossedit/core';
import { seracApply } from './apply.js';
import { seracTrain } from './entry.js';
import { SERAC_HPARAMS, type SeracHparams } from './hparams.js';

export { SERAC_HPARAMS, type SeracHparams } from './hparams.js';
export { seracTrain } from './entry.js';
export { seracApply } from './apply.js';
export { BagClassifier, type ClassifierArch, type AnyClassifierArch, type ScopeClassifier } from './classifier.js';
export { BertClassifier, type BertClassifierArch } from './bert-classifier.js';
export { loadCounterfactualDir, loadClassifierDir, SeracComponentError, type CfSource, type EncoderSource, type CheckpointLoader } from './sources.js';
export { Counterfactual, counterfactualRefs, type CounterfactualArch } from './counterfactual.js';
export { CopyHead, type CopyHeadArch, type PointerInputs } from './copy-head.js';
export { scopeLoss, scopeRows, scopeScores, trainScope, type ScopeSchedule, type ScopeScores, type ScoreSummary } from './scope.js';
export { diagnoseSerac, type SeracDiagnostics, type RowRates } from './diagnostics.js';
export { memoryEntry, memoryOf, appendMemory, type MemoryEntry } from './memory.js';
export { seracForward, similarities, mixLogProbs, prepareScope, lengthsMask, MIX_EPS, type SeracOutput } from './mixture.js';
export { cfBatch, batchPointer, disposeCfBatch, type CfBatch } from './cf-batch.js';
export { SeracModel } from './wrapper.js';
export { SeracTrainer, type SeracOptim } from './trainer.js';
export { trainSerac, defaultSeracConfig, type SeracTrainConfig, type TrainSeracOptions } from './train.js';
export { writeSeracArtifact, loadSeracArtifact, SERAC_CODE_VERSION, SERAC_ASSETS, type SeracComponents, type SeracComponentDirs } from './artifact.js';

/** The SERAC method plugin. */
const serac = defineMethod<SeracHparams>({
  id: 'serac',
  description: 'SERAC: edit memory + trained scope classifier + counterfactual model, soft mixture (needs an artifact from `crossedit train-editor --method serac`)',
  hparams: SERAC_HPARAMS,
  requires: () => ({ gradients: false, trainedArtifact: { kind: 'serac', doc: 'a trained SERAC classifier and counterfactual model for this backbone (crossedit train-editor --method serac)' } }),
  supports: { batch: true, sequential: true },
  train: seracTrain,
  apply: seracApply,
});
export default serac;
