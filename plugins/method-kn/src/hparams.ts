/** KN hyperparameters (EasyEdit names in brackets). */
import type { HparamSchema } from '@crossedit/core';

/** KN's hyperparameters. */
export interface KnHparams {
  /** Integrated-gradients steps: α = linspace(0, 1, steps) [steps]. `1` reproduces the reference (α = 0 only). */
  steps: number;
  /** Keep neurons whose score exceeds this fraction of the maximum [adaptive_threshold]. */
  adaptiveThreshold: number;
  /** Layers to attribute (empty: all). */
  layers: number[];
  /**
   * The "old answer" attributed: `pre-edit` uses the model's own greedy answer (default);
   * `ground-truth` the request's `groundTruth` (zsRE `answers[0]`); `endoftext` reproduces the
   * reference, which attributed the literal string `<|endoftext|>` [ground_truth].
   */
  oldAnswer: string;
  /** Keep BOS in the target and old-answer ids, as the paper-era reference did. */
  keepBos: boolean;
  /** At most this many old-answer tokens are attributed for `pre-edit` and `ground-truth` (each costs one attribution pass per layer). */
  maxAnswerTokens: number;
  /**
   * How the prompt grows by the argmax token (attribution and the original prediction): `ids` appends
   * the id (default; the prompt's ids stay a prefix); `text` decodes the token alone, appends the text
   * and re-tokenises, as EasyEdit does (on LLaMA tokenizers the token's leading space is lost).
   */
  continuation: string;
}

export const KN_HPARAMS: HparamSchema<KnHparams> = {
  steps: { default: 20, doc: 'integrated-gradients steps', check: (v) => (Number.isInteger(v) && v >= 1 ? null : 'must be an integer >= 1') },
  adaptiveThreshold: { default: 0.2, doc: 'fraction of the max score a neuron must exceed', check: (v) => (v > 0 && v <= 1 ? null : 'must be in (0, 1]') },
  layers: { default: [], doc: 'layers to attribute (empty: all)', layerIndices: true },
  oldAnswer: {
    default: 'pre-edit',
    doc: "'pre-edit' (model's greedy answer), 'ground-truth' (the request's old answer) or 'endoftext' (reference)",
    check: (v) => (['pre-edit', 'ground-truth', 'endoftext'].includes(v) ? null : `unknown value '${v}' (pre-edit, ground-truth, endoftext)`),
  },
  keepBos: { default: false, doc: 'keep BOS in target ids (paper-era reference)' },
  continuation: {
    default: 'ids',
    doc: "how the prompt grows by the argmax: 'ids' (append the id) or 'text' (decode, append, re-tokenise: EasyEdit)",
    check: (v) => (v === 'ids' || v === 'text' ? null : `unknown value '${v}' (ids, text)`),
  },
  maxAnswerTokens: { default: 8, doc: 'old-answer tokens attributed at most', check: (v) => (Number.isInteger(v) && v >= 1 ? null : 'must be an integer >= 1') },
};
