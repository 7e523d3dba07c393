/** Teacher-forced evaluation of edit cases on the current model. */
import type { EditMethod, EditResult, LanguageModel, Tokenizer } from '@crossedit/core';
import type { EditCase, EvalItem } from '../data/cases.js';
import type { ItemResult } from '../results/types.js';
import { scoreItem, type ScoreContext } from '../scorers/scoreItem.js';
import { planInContext, planTeacherForcing, readPredictions, type TeacherForcingPlan } from '../scorers/teacherForcing.js';
import type { ScoringRules } from '../scorers/mode.js';
import { argmaxRows, type ArgmaxOptions } from './argmax.js';

/** Predictions of one item, with the plan that produced them. */
export interface ItemPredictions {
  plan: TeacherForcingPlan;
  predictions: number[];
}

/** Options of {@link predictItems}. */
export interface PredictOptions extends ArgmaxOptions {
  /**
   * Turns a question into what the model sees (IKE's context; identity by default). It gets the item's
   * `factTarget` when the rules say the fact line states the item language's answer.
   */
  wrap?: EditResult['wrapPrompt'];
  /** The method edits the prompt (`EditMethod.edits === 'prompt'`): the rules' `promptEdits` layout applies. */
  promptEdits?: boolean;
  stripTargetBos?: boolean;
}

/** The plan of one item: the rules' teacher forcing, or the paper's `icl_lm_eval` for prompt edits under `bizsre-*`. */
function planItem(tokenizer: Tokenizer, item: EvalItem, prompt: string, rules: ScoringRules, opts: PredictOptions): TeacherForcingPlan {
  const input = { kind: item.kind, prompt, target: item.target };
  if (opts.promptEdits && rules.promptEdits === 'icl-lm-eval') {
    if (item.target.trim() === '') throw new Error(`teacher forcing: empty target for the ${item.kind} prompt ${JSON.stringify(item.prompt)}`);
    return planInContext(tokenizer, input);
  }
  return planTeacherForcing(tokenizer, input, rules, { stripTargetBos: opts.stripTargetBos });
}

/**
 * The plans {@link predictItems} runs for `items` (prompt wrapping and layout included), without running
 * them: what the sequences' lengths will be.
 */
export function planItems(tokenizer: Tokenizer, items: readonly EvalItem[], rules: ScoringRules, opts: PredictOptions = {}): TeacherForcingPlan[] {
  const wrap = opts.wrap;
  const prompt = (it: EvalItem) => (wrap ? wrap(it.prompt, rules.factTarget === 'item-language' ? it.factTarget : undefined) : it.prompt);
  return items.map((it) => planItem(tokenizer, it, prompt(it), rules, opts));
}

/**
 * Plans and runs every item of every case in as few forward passes as the token budget allows.
 */
export async function predictItems(model: LanguageModel, tokenizer: Tokenizer, items: readonly EvalItem[], rules: ScoringRules, opts: PredictOptions = {}): Promise<ItemPredictions[]> {
  const plans = planItems(tokenizer, items, rules, opts);
  const seqs = plans.flatMap((p) => p.sequences);
  // only the read positions are scored: the head runs there alone when the model can
  const wanted = plans.flatMap((p) => p.sequences.map((_, i) => [...new Set(p.reads.filter((r) => r.sequence === i).map((r) => r.position))]));
  const rows = await argmaxRows(model, seqs, opts, wanted);
  let at = 0;
  return plans.map((plan) => {
    const mine = rows.slice(at, at + plan.sequences.length);
    at += plan.sequences.length;
    return { plan, predictions: readPredictions(plan, mine) };
  });
}

/**
 * The items of a case as the pre-edit pass runs them. Under `icl-lm-eval` a prompt-surface method's
 * rephrase and locality items run in its context without demonstrations
 * (`EditMethod.preEditContext`, IKE: `New Fact: {p} {t}\nPrompt: {x}`), as the paper's code did; every
 * other item, and every item of other methods or modes, is the bare question.
 */
export function preEditItems(c: EditCase, method: Pick<EditMethod<never>, 'edits' | 'preEditContext'>, rules: ScoringRules): readonly EvalItem[] {
  const ctx = method.preEditContext;
  if (method.edits !== 'prompt' || rules.promptEdits !== 'icl-lm-eval' || !ctx) return c.items;
  return c.items.map((it) => {
    if (it.kind !== 'rephrase' && it.kind !== 'locality') return it;
    const fact = rules.factTarget === 'item-language' ? (it.factTarget ?? c.request.target) : c.request.target;
    return { ...it, prompt: ctx.call(method, c.request, fact, it.prompt) };
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
