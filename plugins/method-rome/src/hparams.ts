/** ROME's hyperparameters: names, defaults (EasyEdit's llama-7b settings) and checks. */
import { locateEditHparamFields, type FactToken, type LocateEditHparams } from '@crossedit/locate-edit';
import type { HparamSchema } from '@crossedit/core';

/**
 * ROME hyperparameters (camelCase versions of EasyEdit's `hparams/ROME/llama-7b.yaml`): the shared
 * locate-then-edit ones (the v* optimisation, KL term, templates, target convention) and ROME's own.
 */
export interface RomeHparams extends LocateEditHparams {
  /** Decoder layers whose `mlp.down` is edited (one rank-one update each, in order). */
  layers: number[];
  /** u = C⁻¹k / ‖C⁻¹k‖ with the layer's second moment C (needs statistics) instead of k / ‖k‖. */
  mom2Adjustment: boolean;
  /** The token the edit is keyed on [fact_token]: `subject_last` (default) or `last` (the prompt's last token). */
  factToken: FactToken;
}

/** The schema (defaults are the reference's llama-7b values; `layers` is scaled by the presets). */
export const romeHparamSchema: HparamSchema<RomeHparams> = {
  layers: {
    default: [5],
    doc: 'decoder layers whose mlp.down is edited (default: 5 of 32, scaled to depth)',
    layerIndices: true,
    integer: true,
    min: 0,
    check: (v) => (v.length > 0 ? null : 'must be a non-empty list of layer indices'),
  },
  ...locateEditHparamFields,
  vNumGradSteps: { ...locateEditHparamFields.vNumGradSteps, doc: 'iterations of the v* optimisation (at most n-1 updates)' },
  vLr: { ...locateEditHparamFields.vLr, doc: 'Adam learning rate of v*' },
  earlyStopLoss: { ...locateEditHparamFields.earlyStopLoss, doc: 'stop the v* optimisation below this loss' },
  mom2Adjustment: { default: false, doc: 'u = C^-1 k / |C^-1 k| with second-moment statistics' },
  factToken: {
    default: 'subject_last',
    doc: "token the edit is keyed on: 'subject_last' or 'last' (the prompt's last token)",
    check: (v) => (v === 'subject_last' || v === 'last' ? null : `must be 'subject_last' or 'last', got '${v}'`),
  },
};
