/** MEMIT's hyperparameters: names, defaults (EasyEdit's llama-7b settings) and checks. */
import type { HparamSchema } from '@crossedit/core';
import { locateEditHparamFields, nonNegative, positiveInt } from '@crossedit/locate-edit';

/** MEMIT hyperparameters (camelCase versions of EasyEdit's `hparams/MEMIT/llama-7b.yaml`). */
export interface MemitHparams {
  /** Decoder layers whose `mlp.down` is edited; z lives at the output of the last one. */
  layers: number[];
  /** Iterations of the z optimisation (the last only evaluates the loss: at most n-1 updates). */
  vNumGradSteps: number;
  /** Adam learning rate of z. */
  vLr: number;
  /** Weight of ‖δ‖ / ‖h‖² in the z loss. */
  vWeightDecay: number;
  /** Weight of KL(p_t ‖ p_0) on the "{subject} is a" prompt. */
  klFactor: number;
  /** δ is projected onto the L2 ball of radius clampNormFactor·‖h‖ after every step. */
  clampNormFactor: number;
  /** Stop the z optimisation once the total loss is below this. */
  earlyStopLoss: number;
  /** λ in (λC + KKᵀ)⁻¹K: how strongly the keys' second moment C protects other keys. */
  mom2UpdateWeight: number;
  /** Generated context templates (second group): `[totalTokens, count]` pairs. */
  contextTemplateLengths: [number, number][];
  /** Top-k of the template sampler. */
  templateTopK: number;
  /** Paper-era targets (BOS kept, no leading space); see ROME's hparam of the same name. */
  paperEraTargets: boolean;
  /** The KL prompt; `{}` is replaced by the subject. */
  klPrompt: string;
}

/** The schema (defaults are the reference's llama-7b values; `layers` is scaled by the presets). */
export const memitHparamSchema: HparamSchema<MemitHparams> = {
  layers: {
    default: [4, 5, 6, 7, 8],
    doc: 'decoder layers whose mlp.down is edited (default: 4..8 of 32, scaled to depth)',
    layerIndices: true,
    check: (v) =>
      v.length > 0 && v.every((l) => Number.isInteger(l) && l >= 0) && new Set(v).size === v.length ? null : 'must be a non-empty list of distinct layer indices',
  },
  vNumGradSteps: { default: 25, doc: 'iterations of the z optimisation (at most n-1 updates)', check: positiveInt },
  vLr: { default: 0.5, doc: 'Adam learning rate of z', check: nonNegative },
  vWeightDecay: { default: 1e-3, doc: 'weight of |delta| / |h|^2', check: nonNegative },
  klFactor: locateEditHparamFields.klFactor,
  clampNormFactor: { default: 4, doc: 'delta is kept within clampNormFactor * |h|', check: nonNegative },
  earlyStopLoss: { default: 5e-2, doc: 'stop the z optimisation below this loss', check: nonNegative },
  mom2UpdateWeight: { default: 15000, doc: 'lambda of (lambda C + K K^T)^-1 K (presets scale it with the MLP width)', check: (v) => (Number.isFinite(v) && v > 0 ? null : 'must be > 0') },
  contextTemplateLengths: { ...locateEditHparamFields.contextTemplateLengths, default: [[10, 5]] },
  // the same knobs as ROME's, with the same defaults and checks
  templateTopK: locateEditHparamFields.templateTopK,
  paperEraTargets: locateEditHparamFields.paperEraTargets,
  klPrompt: locateEditHparamFields.klPrompt,
};
