/**
 * The hyperparameters every locate-then-edit method shares (ROME's defaults, EasyEdit's llama-7b
 * settings): the KL term, the context templates and the target convention.
 */
import type { HparamSchema } from '@crossedit/core';

/** The shared hyperparameters. */
export interface LocateEditHparams {
  /** Weight of KL(p_t ‖ p_0) on the "{subject} is a" prompt. */
  klFactor: number;
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

/** Schema check: a positive integer (an iteration count, a template count). */
export function positiveInt(v: number): string | null {
  return Number.isInteger(v) && v > 0 ? null : 'must be a positive integer';
}
/** Schema check: a finite number >= 0 (a weight, a learning rate, a norm factor). */
export function nonNegative(v: number): string | null {
  return Number.isFinite(v) && v >= 0 ? null : 'must be a finite number >= 0';
}

/** Schema fields of {@link LocateEditHparams}; a method spreads them into its own schema. */
export const locateEditHparamFields: HparamSchema<LocateEditHparams> = {
  klFactor: { default: 0.0625, doc: 'weight of the KL term on the "{subject} is a" prompt', check: nonNegative },
  contextTemplateLengths: {
    default: [
      [5, 10],
      [10, 10],
    ],
    doc: '[totalTokens, count] pairs of generated context templates',
    check: (v) =>
      v.every((p) => Array.isArray(p) && p.length === 2 && Number.isInteger(p[0]) && p[0] > 0 && Number.isInteger(p[1]) && p[1] >= 0)
        ? null
        : 'must be a list of [totalTokens, count] integer pairs',
  },
  templateTopK: { default: 5, doc: 'top-k of the context-template sampler', check: positiveInt },
  paperEraTargets: { default: false, doc: 'paper-era targets: BOS kept, no leading space' },
  klPrompt: {
    default: '{} is a',
    doc: 'the KL prompt; {} is the subject',
    check: (v) => (v.split('{}').length === 2 ? null : 'must contain {} exactly once'),
  },
};
