/** FT hyperparameters (EasyEdit names in brackets). */
import type { HparamSchema } from '@crossedit/core';

/** The training objective. */
export type FtObjective = 'target_new' | 'prompt_last';

/** FT's hyperparameters. */
export interface FtHparams {
  /** Layers whose weight is trained [layers]. Default: preset (layer 21 of 32, scaled to depth). */
  layers: number[];
  /** Which matrix of those layers [rewrite_module_tmp]: `mlp.down`, `mlp.up`, `mlp.gate`, `attn.o`. */
  module: string;
  /** Optimisation steps [num_steps]. */
  numSteps: number;
  /** Adam learning rate [lr]. */
  lr: number;
  /** Adam (L2) weight decay [weight_decay]. */
  weightDecay: number;
  /** L∞ radius around the original weights; 0 disables the constraint [norm_constraint]. */
  normConstraint: number;
  /** `target_new`: teacher-forced NLL of the target after the prompt (FT-M); `prompt_last`: every target token scored at the last prompt position (the paper-era reference). */
  objective: FtObjective;
  /** Stop when the loss falls below this. */
  earlyStopLoss: number;
}

export const FT_HPARAMS: HparamSchema<FtHparams> = {
  layers: { default: [], doc: 'layers to train (empty: the preset)', layerIndices: true },
  module: {
    default: 'mlp.down',
    doc: 'matrix of each layer to train',
    check: (v) => (['mlp.down', 'mlp.up', 'mlp.gate', 'attn.o', 'attn.q', 'attn.k', 'attn.v'].includes(v) ? null : `unknown module '${v}'`),
  },
  numSteps: { default: 25, doc: 'optimisation steps', check: (v) => (Number.isInteger(v) && v > 0 ? null : 'must be a positive integer') },
  lr: { default: 5e-4, doc: 'Adam learning rate', check: (v) => (v > 0 ? null : 'must be > 0') },
  weightDecay: { default: 0, doc: 'Adam weight decay', min: 0 },
  normConstraint: { default: 5e-4, doc: 'L-infinity radius around the original weights (0: off)', check: (v) => (v >= 0 ? null : 'must be >= 0') },
  objective: { default: 'target_new', doc: "'target_new' (teacher-forced) or 'prompt_last' (reference)", check: (v) => (v === 'target_new' || v === 'prompt_last' ? null : `unknown objective '${v}'`) },
  earlyStopLoss: { default: 1e-2, doc: 'stop below this loss', min: 0 },
};
