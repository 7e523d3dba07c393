/** ROME's hyperparameters: names, defaults (EasyEdit's llama-7b settings) and checks. */
import { locateEditHparamFields, nonNegative, positiveInt, type FactToken } from '@crossedit/locate-edit';
import type { HparamSchema } from '@crossedit/core';

/** ROME hyperparameters (camelCase versions of EasyEdit's `hparams/ROME/llama-7b.yaml`). */
export interface RomeHparams {
  /** Decoder layers whose `mlp.down` is edited (one rank-one update each, in order). */
  layers: number[];
  /** Iterations of the v* optimisation (the last only evaluates the loss: at most n-1 updates). */
  vNumGradSteps: number;
  /** Adam learning rate of v*. */
  vLr: number;
  /** Weight of ‖δ‖ / ‖v0‖² in the v* loss. */
  vWeightDecay: number;
  /** Weight of KL(p_t ‖ p_0) on the "{subject} is a" prompt. */
  klFactor: number;
  /** δ is projected onto the L2 ball of radius clampNormFactor·‖v0‖ after every step. */
  clampNormFactor: number;
  /** Stop the v* optimisation once the total loss is below this. */
  earlyStopLoss: number;
  /** u = C⁻¹k / ‖C⁻¹k‖ with the layer's second moment C (needs statistics) instead of k / ‖k‖. */
  mom2Adjustment: boolean;
  /** Context templates: `[totalTokens, count]` pairs, count split evenly over the five seed words. */
  contextTemplateLengths: [number, number][];
  /** Top-k of the template sampler. */
  templateTopK: number;
  /**
   * The paper-era target convention: target ids are `tok(target)` with BOS kept and no leading space
   * (the first label is BOS, predicted at the last prompt token). Off (default): the target is the
   * tokens of `" " + target` as they follow the prompt in `prompt + " " + target`, without BOS (EasyEdit
   * HEAD's intent, without SentencePiece's lone-"▁" artefact).
   */
  paperEraTargets: boolean;
  /** The KL prompt; `{}` is replaced by the subject. */
  klPrompt: string;
  /** The token the edit is keyed on [fact_token]: `subject_last` (default) or `last` (the prompt's last token). */
  factToken: FactToken;
}

/** The schema (defaults are the reference's llama-7b values; `layers` is scaled by the presets). */
export const romeHparamSchema: HparamSchema<RomeHparams> = {
  layers: {
    default: [5],
    doc: 'decoder layers whose mlp.down is edited (default: 5 of 32, scaled to depth)',
    layerIndices: true,
    check: (v) => (v.length > 0 && v.every((l) => Number.isInteger(l) && l >= 0) ? null : 'must be a non-empty list of layer indices'),
  },
  vNumGradSteps: { default: 25, doc: 'iterations of the v* optimisation (at most n-1 updates)', check: positiveInt },
  vLr: { default: 0.5, doc: 'Adam learning rate of v*', check: nonNegative },
  vWeightDecay: { default: 1e-3, doc: 'weight of |delta| / |v0|^2', check: nonNegative },
  klFactor: locateEditHparamFields.klFactor,
  clampNormFactor: { default: 4, doc: 'delta is kept within clampNormFactor * |v0|', check: nonNegative },
  earlyStopLoss: { default: 5e-2, doc: 'stop the v* optimisation below this loss', check: nonNegative },
  mom2Adjustment: { default: false, doc: 'u = C^-1 k / |C^-1 k| with second-moment statistics' },
  contextTemplateLengths: locateEditHparamFields.contextTemplateLengths,
  templateTopK: locateEditHparamFields.templateTopK,
  paperEraTargets: locateEditHparamFields.paperEraTargets,
  klPrompt: locateEditHparamFields.klPrompt,
  factToken: {
    default: 'subject_last',
    doc: "token the edit is keyed on: 'subject_last' or 'last' (the prompt's last token)",
    check: (v) => (v === 'subject_last' || v === 'last' ? null : `must be 'subject_last' or 'last', got '${v}'`),
  },
};
