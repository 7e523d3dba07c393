/**
 * `@crossedit/method-mend`: MEND (Mitchell et al., 2022) as EasyEdit runs it. A trained hypernetwork —
 * one low-rank residual network per weight shape with per-matrix mode embeddings, on Welford-normalised
 * `[x ; δ]` token rows — turns the edit loss's gradient factors at the MLP matrices of the last layers
 * into the update `W + η · Σ δ̃ x̃ᵀ` (η learned per matrix). `apply` loads a trained artifact (built by
 * `crossedit train-editor --method mend`) and never trains.
 *
 * @packageDocumentation
 */
import { defineMethod } from '@crossedit/core';
import { mendApply } from './apply.js';
import { mendTrain } from './entry.js';
import { MEND_HPARAMS, type MendHparams } from './hparams.js';

export { MEND_HPARAMS, type MendHparams } from './hparams.js';
export { mendTrain } from './entry.js';
export { mendApply, searchDirs } from './apply.js';
export { MendEditor, type MendArch } from './editor.js';
export { GradientNet, LAYER_PARAMS, clampMin0 } from './network.js';
export { Welford } from './welford.js';
export { editedMatrices, lastLayers, MLP_KINDS, type EditedMatrix } from './matrices.js';
export { captureFactors, disposeFactors, type Factors } from './capture.js';
export { mendDeltas, applyMend } from './edit.js';
export { MendTrainer, outerLoss, type MendOptim } from './trainer.js';
export { trainMend, defaultMendConfig, type MendTrainConfig, type TrainMendOptions } from './train.js';
export { writeMendArtifact, loadMendArtifact, MEND_CODE_VERSION, MEND_ASSETS } from './artifact.js';
export { editorTensors, loadEditorTensors, paramNames } from './state.js';

/** The MEND method plugin. */
const mend = defineMethod<MendHparams>({
  id: 'mend',
  description: 'MEND: a trained gradient-decomposition hypernetwork (needs an artifact from `crossedit train-editor --method mend`)',
  hparams: MEND_HPARAMS,
  requires: () => ({ gradients: true, trainedArtifact: { kind: 'mend', doc: 'a trained MEND hypernetwork for this backbone (crossedit train-editor --method mend)' } }),
  supports: { batch: true, sequential: true },
  train: mendTrain,
  apply: mendApply,
});
export default mend;
