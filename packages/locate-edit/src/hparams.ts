/**
 * The hyperparameters every locate-then-edit method shares (ROME's defaults, EasyEdit's llama-7b
 * settings): the target-vector optimisation, the KL term, the context templates and the target convention.
 */
import type { HparamField, HparamSchema } from '@crossedit/core';
import type { DeltaSettings } from './optimize-delta.js';

/** The shared hyperparameters; a method's own interface extends this one. */
export interface LocateEditHparams {
  /** Iterations of the target-vector optimisation (the last only evaluates the loss: at most n-1 updates). */
  vNumGradSteps: number;
  /** Adam learning rate of the target vector. */
  vLr: number;
  /** Weight of ‖δ‖ / ‖v0‖² in the loss. */
  vWeightDecay: number;
  /** Weight of KL(p_t ‖ p_0) on the "{subject} is a" prompt. */
  klFactor: number;
  /** δ is projected onto the L2 ball of radius clampNormFactor·‖v0‖ after every step. */
  clampNormFactor: number;
  /** Stop the optimisation once the total loss is below this. */
  earlyStopLoss: number;
  /** Context templates: `[totalTokens, count]` pairs, count split evenly over the five seed words. */
  contextTemplateLengths: [number, number][];
  /** Top-k of the template sampler. */
  templateTopK: number;
  /**
   * The paper-era target convention: target ids are `tok(target)` with BOS kept and no leading space.
   * Off (default): the tokens of `" " + target` as they follow the prompt, without BOS.
   */
  paperEraTargets: boolean;
  /** The KL prompt; `{}` is replaced by the subject. */
  klPrompt: string;
}

/** Range of an iteration or template count: an integer >= 1 (core's schema `min` / `integer`). */
export const POSITIVE_INT = { min: 1, integer: true } as const satisfies Partial<HparamField<number>>;
/** Range of a weight, a learning rate or a norm factor: >= 0 (core also refuses non-finite numbers). */
export const NON_NEGATIVE = { min: 0 } as const satisfies Partial<HparamField<number>>;

/** Schema fields of {@link LocateEditHparams}; a method spreads them into its own schema (overriding docs). */
export const locateEditHparamFields: HparamSchema<LocateEditHparams> = {
  vNumGradSteps: { default: 25, doc: 'iterations of the target-vector optimisation (at most n-1 updates)', ...POSITIVE_INT },
  vLr: { default: 0.5, doc: 'Adam learning rate of the target vector', ...NON_NEGATIVE },
  vWeightDecay: { default: 1e-3, doc: 'weight of |delta| / |v0|^2', ...NON_NEGATIVE },
  klFactor: { default: 0.0625, doc: 'weight of the KL term on the "{subject} is a" prompt', ...NON_NEGATIVE },
  clampNormFactor: { default: 4, doc: 'delta is kept within clampNormFactor * |v0|', ...NON_NEGATIVE },
  earlyStopLoss: { default: 5e-2, doc: 'stop the optimisation below this loss', ...NON_NEGATIVE },
  contextTemplateLengths: {
    default: [
      [5, 10],
      [10, 10],
    ],
    doc: '[totalTokens, count] pairs of generated context templates',
    integer: true,
    check: (v) =>
      v.every((p) => Array.isArray(p) && p.length === 2 && p[0] > 0 && p[1] >= 0) ? null : 'must be a list of [totalTokens, count] integer pairs (totalTokens >= 1, count >= 0)',
  },
  templateTopK: { default: 5, doc: 'top-k of the context-template sampler', ...POSITIVE_INT },
  paperEraTargets: { default: false, doc: 'paper-era targets: BOS kept, no leading space' },
  klPrompt: {
    default: '{} is a',
    doc: 'the KL prompt; {} is the subject',
    check: (v) => (v.split('{}').length === 2 ? null : 'must contain {} exactly once'),
  },
};

/** The {@link DeltaSettings} of `optimizeDelta` named by the shared hyperparameters. */
export function deltaSettings(hp: LocateEditHparams): DeltaSettings {
  return { numSteps: hp.vNumGradSteps, lr: hp.vLr, weightDecay: hp.vWeightDecay, klFactor: hp.klFactor, clampNormFactor: hp.clampNormFactor, earlyStopLoss: hp.earlyStopLoss };
}
