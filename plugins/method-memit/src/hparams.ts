/** MEMIT's hyperparameters: names, defaults (EasyEdit's llama-7b settings) and checks. */
import type { HparamSchema } from '@crossedit/core';
import { locateEditHparamFields, type LocateEditHparams } from '@crossedit/locate-edit';

/**
 * MEMIT hyperparameters (camelCase versions of EasyEdit's `hparams/MEMIT/llama-7b.yaml`): the shared
 * locate-then-edit ones (here the z optimisation, at the residual stream) and MEMIT's own.
 */
export interface MemitHparams extends LocateEditHparams {
  /** Decoder layers whose `mlp.down` is edited; z lives at the output of the last one. */
  layers: number[];
  /** λ in (λC + KKᵀ)⁻¹K: how strongly the keys' second moment C protects other keys. */
  mom2UpdateWeight: number;
}

/** The schema (defaults are the reference's llama-7b values; `layers` is scaled by the presets). */
export const memitHparamSchema: HparamSchema<MemitHparams> = {
  layers: {
    default: [4, 5, 6, 7, 8],
    doc: 'decoder layers whose mlp.down is edited (default: 4..8 of 32, scaled to depth)',
    layerIndices: true,
    integer: true,
    min: 0,
    check: (v) => (v.length > 0 && new Set(v).size === v.length ? null : 'must be a non-empty list of distinct layer indices'),
  },
  // the same knobs as ROME's, with the same defaults and checks
  ...locateEditHparamFields,
  vNumGradSteps: { ...locateEditHparamFields.vNumGradSteps, doc: 'iterations of the z optimisation (at most n-1 updates)' },
  vLr: { ...locateEditHparamFields.vLr, doc: 'Adam learning rate of z' },
  vWeightDecay: { ...locateEditHparamFields.vWeightDecay, doc: 'weight of |delta| / |h|^2' },
  clampNormFactor: { ...locateEditHparamFields.clampNormFactor, doc: 'delta is kept within clampNormFactor * |h|' },
  earlyStopLoss: { ...locateEditHparamFields.earlyStopLoss, doc: 'stop the z optimisation below this loss' },
  mom2UpdateWeight: { default: 15000, doc: 'lambda of (lambda C + K K^T)^-1 K (presets scale it with the MLP width)', check: (v) => (v > 0 ? null : 'must be > 0') },
  contextTemplateLengths: { ...locateEditHparamFields.contextTemplateLengths, default: [[10, 5]] },
};
