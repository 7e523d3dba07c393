/** Teacher-forced evaluation of edit cases on the current model. */
import type { LanguageModel, Tokenizer } from '@crossedit/core';
import type { EditCase, EvalItem } from '../data/cases.js';
import type { ItemResult } from '../results/types.js';
import { scoreItem, type ScoreContext } from '../scorers/scoreItem.js';
import { planTeacherForcing, readPredictions, type TeacherForcingPlan } from '../scorers/teacherForcing.js';
import type { ScoringRules } from '../scorers/mode.js';
import { argmaxRows, type ArgmaxOptions } from './argmax.js';

/** Predictions of one item, with the plan that produced them. */
export interface ItemPredictions {
  plan: TeacherForcingPlan;
  predictions: number[];
}

/**
 * Plans and runs every item of every case in as few forward passes as the token budget allows. `wrap`
 * turns a question into what the model sees (IKE's context); identity by default.
 */
export async function predictItems(
  model: LanguageModel,
  tokenizer: Tokenizer,
  items: readonly EvalItem[],
  rules: ScoringRules,
  opts: ArgmaxOptions & { wrap?: (question: string) => string; stripTargetBos?: boolean } = {},
): Promise<ItemPredictions[]> {
  const wrap = opts.wrap ?? ((q: string) => q);
  const plans = items.map((it) => planTeacherForcing(tokenizer, { kind: it.kind, prompt: wrap(it.prompt), target: it.target }, rules, { stripTargetBos: opts.stripTargetBos }));
  const seqs = plans.flatMap((p) => p.sequences);
  const rows = await argmaxRows(model, seqs, opts);
  let at = 0;
  return plans.map((plan) => {
    const mine = rows.slice(at, at + plan.sequences.length);
    at += plan.sequences.length;
    return { plan, predictions: readPredictions(plan, mine) };
  });
}

/** Aligns post-edit locality predictions to the pre-edit ones (a wrapped prompt may shift the split by a token). */
function alignTo(post: number[], pre: readonly number[]): number[] {
  if (post.length === pre.length) return post;
  return pre.map((_, i) => post[i] ?? -1);
}

/** Scores the items of one case from post- and pre-edit predictions. */
export function scoreCase(c: EditCase, post: readonly ItemPredictions[], pre: readonly ItemPredictions[], ctx: ScoreContext): ItemResult[] {
  return c.items.map((it, i) => {
    const p = post[i];
    const q = pre[i];
    const preds = it.kind === 'locality' ? alignTo(p.predictions, q.predictions) : p.predictions;
    const s = scoreItem(it.kind, p.plan, preds, q.predictions, ctx);
    return {
      metric: it.metric,
      kind: it.kind,
      lang: it.lang,
      prompt: it.prompt,
      target: it.target,
      labels: p.plan.labels,
      predictions: preds,
      prePredictions: q.predictions,
      answer: s.answer,
      preAnswer: ctx.decode(q.predictions),
      reference: s.reference,
      tokenAcc: s.tokenAcc,
      f1: s.f1,
      em: s.em,
    };
  });
}
