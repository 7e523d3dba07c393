/** Scores one evaluation item from its predictions: token accuracy, F1 and EM. */
import type { ItemKind } from '../data/cases.js';
import { textScores, type TextTokenize } from './f1.js';
import type { ScoringRules } from './mode.js';
import type { TeacherForcingPlan } from './teacherForcing.js';
import { tokenAccuracy } from './tokenAccuracy.js';

/** The scores of one item. */
export interface ItemScores {
  /** Token accuracy against the labels (locality: agreement of post- with pre-edit predictions). */
  tokenAcc: number;
  f1: number;
  em: number;
  /** The decoded post-edit predictions (normalised as compared). */
  answer: string;
  /** What `answer` was compared with: the decoded target, or for locality the decoded pre-edit predictions. */
  reference: string;
}

/** What scoring needs besides the predictions. */
export interface ScoreContext {
  /** Decodes predictions (the backbone's tokenizer, special tokens skipped). */
  decode: (ids: readonly number[]) => string;
  /** Tokens for F1 (by default the Chinese-LLaMA-Plus tokenizer, see `tokenizeForF1`). */
  f1Tokenize: TextTokenize;
  rules: ScoringRules;
}

function normalise(s: string, lowerStrip: boolean, rules: ScoringRules): string {
  if (lowerStrip) return s.toLowerCase().trim();
  return rules.trim ? s.trim() : s;
}

/**
 * Scores an item. Locality compares post-edit with pre-edit predictions (`prePredictions` required);
 * every other kind compares with the plan's labels and reference.
 * @example
 * const s = scoreItem('rewrite', plan, post, undefined, { decode, f1Tokenize, rules });
 */
export function scoreItem(
  kind: ItemKind,
  plan: Pick<TeacherForcingPlan, 'labels' | 'reference' | 'lowerStrip'>,
  predictions: readonly number[],
  prePredictions: readonly number[] | undefined,
  ctx: ScoreContext,
): ItemScores {
  const answer = normalise(ctx.decode(predictions), plan.lowerStrip, ctx.rules);
  if (kind === 'locality') {
    if (!prePredictions) throw new Error('scoreItem: locality needs the pre-edit predictions');
    const reference = normalise(ctx.decode(prePredictions), plan.lowerStrip, ctx.rules);
    const t = textScores(answer, reference, ctx.f1Tokenize, ctx.rules.f1);
    return { tokenAcc: tokenAccuracy(predictions, prePredictions), f1: t.f1, em: t.em, answer, reference };
  }
  const reference = normalise(plan.reference, plan.lowerStrip, ctx.rules);
  const t = textScores(answer, reference, ctx.f1Tokenize, ctx.rules.f1);
  return { tokenAcc: tokenAccuracy(predictions, plan.labels), f1: t.f1, em: t.em, answer, reference };
}
