/**
 * `@crossedit/method-kn`: knowledge neurons. Integrated-gradients attribution over the MLP gate
 * activations at the last prompt token, selection by an adaptive threshold, and an edit of the selected
 * `mlp.down` columns with input embeddings (`+Σ E[new] − Σ E[old]`).
 *
 * By default the attributed "old answer" is the model's own greedy answer; `oldAnswer: 'endoftext'`
 * with `steps: 1`, `keepBos: true` and `continuation: 'text'` reproduces the paper-era reference.
 *
 * @packageDocumentation
 */
import { defineMethod } from '@crossedit/core';
import { applyKn } from './apply.js';
import { KN_HPARAMS, type KnHparams } from './hparams.js';

export { applyKn, oldAnswerIds, originalPredictionFactor } from './apply.js';
export { asContinuation, continuationOf, idContinuation, textContinuation, type Continuation, type ContinuationMode } from './continuation.js';
export { alphas, attribute, gateScores } from './attribution.js';
export { selectNeurons, type Neuron } from './select.js';
export { greedyTokens } from './decode.js';
export { KN_HPARAMS, type KnHparams } from './hparams.js';

/** The KN method plugin. */
const kn = defineMethod<KnHparams>({
  id: 'kn',
  description: 'knowledge neurons: integrated-gradients attribution and an embedding edit of down_proj columns',
  hparams: KN_HPARAMS,
  requires: () => ({ gradients: true }),
  supports: { batch: true, sequential: true },
  apply: applyKn,
});
export default kn;
