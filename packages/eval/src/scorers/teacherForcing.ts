/**
 * Teacher-forcing plans: which token sequences the evaluator runs, where it reads the argmax, and what
 * the predictions are compared with. Pure functions of a tokenizer; the model run belongs to the caller.
 */
import type { Tokenizer } from '@crossedit/core';
import type { ItemKind } from '../data/cases.js';
import type { ScoringRules } from './mode.js';

/** Where one prediction is read: the argmax of the logits at `position` of sequence `sequence`. */
export interface ReadPoint {
  sequence: number;
  position: number;
}

/** What to run for one evaluation item and how to score it. */
export interface TeacherForcingPlan {
  /** Token id sequences to run (unpadded; BOS as the tokenizer adds it). */
  sequences: number[][];
  /** One read point per label, in order. */
  reads: ReadPoint[];
  /** The ids the predictions are compared with (token accuracy). */
  labels: number[];
  /** The string the decoded predictions are compared with (F1/EM); locality uses the pre-edit answer instead. */
  reference: string;
  /** Lower-case and strip the decoded answer before F1/EM (`bizsre-2023` portability). */
  lowerStrip: boolean;
  /**
   * Single-pass: the prompt's tokens are not a prefix of the tokens of prompt + " " + target. In-context
   * (`planInContext`): the sequence does not end in the target's own tokens.
   */
  boundaryMismatch: boolean;
}

/** An item to plan: the question as the model sees it (after any IKE wrapping) and its continuation. */
export interface PlanInput {
  kind: ItemKind;
  prompt: string;
  target: string;
}

/** Options of {@link planTeacherForcing}. */
export interface PlanOptions {
  /** Drop BOS from the target even in `bizsre-2023` mode (the reference does this for SERAC). */
  stripTargetBos?: boolean;
}

function truncate(ids: number[], max: number | null): number[] {
  return max === null ? ids : ids.slice(0, max);
}

function samePrefix(a: readonly number[], b: readonly number[]): boolean {
  if (a.length > b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** EasyEdit HEAD: one sequence `prompt + " " + target`; predictions at [promptLen-1, end-1). */
function singlePass(tok: Tokenizer, item: PlanInput, rules: ScoringRules): TeacherForcingPlan {
  const promptIds = tok.encode(item.prompt).ids;
  const full = truncate(tok.encode(`${item.prompt} ${item.target}`).ids, rules.maxLength);
  const labels = full.slice(promptIds.length);
  if (labels.length === 0) throw new Error(`teacher forcing: the target ${JSON.stringify(item.target)} adds no tokens after the prompt ${JSON.stringify(item.prompt)}`);
  const reads = labels.map((_, i) => ({ sequence: 0, position: promptIds.length - 1 + i }));
  return {
    sequences: [full],
    reads,
    labels,
    reference: tok.decode(labels, { skipSpecialTokens: true }),
    lowerStrip: false,
    boundaryMismatch: !samePrefix(promptIds, full),
  };
}

/**
 * The ids of `prefixText + sep + decode(chunk)` as the slow LLaMA tokenizer of the reference produced
 * them: a BOS inside the decoded text is parsed back as the BOS token, with the whitespace around it
 * stripped, so the ids are prompt ids, BOS, then the rest encoded on its own.
 */
function prefixIds(tok: Tokenizer, prompt: string, sep: string, chunk: readonly number[]): number[] {
  const bos = tok.special.bos;
  if (chunk.length === 0) return tok.encode(prompt).ids;
  if (bos !== null && chunk[0] === bos) {
    const rest = chunk.length > 1 ? tok.encode(tok.decode(chunk.slice(1), { skipSpecialTokens: true }), { addBos: false }).ids : [];
    return [...tok.encode(prompt).ids, bos, ...rest];
  }
  return tok.encode(prompt + sep + tok.decode(chunk, { skipSpecialTokens: true })).ids;
}

/** Paper-era EasyEdit: one sequence per target prefix, the argmax at each sequence's last token. */
function perPrefix(tok: Tokenizer, item: PlanInput, rules: ScoringRules, opts: PlanOptions): TeacherForcingPlan {
  const paperPort = item.kind === 'portability' && rules.paperPortability;
  const text = paperPort ? ` ${item.target}` : item.target;
  let t = truncate(tok.encode(text, { addBos: rules.keepBosInTarget }).ids, rules.maxLength);
  const { unk, bos } = tok.special;
  if (t.length && ((unk !== null && t[0] === unk) || (opts.stripTargetBos && bos !== null && t[0] === bos))) t = t.slice(1);
  if (t.length === 0) throw new Error(`teacher forcing: the target ${JSON.stringify(item.target)} has no tokens`);
  const sep = paperPort ? '' : ' ';
  const sequences = t.map((_, i) => truncate(prefixIds(tok, item.prompt, sep, t.slice(0, i)), rules.maxLength));
  const reads = sequences.map((s, i) => ({ sequence: i, position: s.length - 1 }));
  if (paperPort) {
    // The reference compares with the first id of tok(decode(t_i)) (BOS on LLaMA tokenizers) and builds
    // the target string from the pieces decoded one by one, so spaces between words are lost.
    const labels = t.map((id) => tok.encode(tok.decode([id], { skipSpecialTokens: false })).ids[0] ?? id);
    const reference = t.map((id) => tok.decode([id], { skipSpecialTokens: true })).join('').toLowerCase().trim();
    return { sequences, reads, labels, reference, lowerStrip: true, boundaryMismatch: false };
  }
  return { sequences, reads, labels: t, reference: tok.decode(t, { skipSpecialTokens: true }), lowerStrip: false, boundaryMismatch: false };
}

/**
 * The paper's IKE path (`icl_lm_eval`, LLaMA/Baichuan branch): one sequence `tok(context + x + " " +
 * target)` (BOS, no truncation), where `item.prompt` is already the context with the question; the
 * labels are `tok(target)` without its BOS, and the argmax is read at the |labels| positions before the
 * end (`argmax(logits)[-|tok(target)|:-1]`), whether or not the sequence ends in exactly those ids.
 * The answer and reference are compared as decoded (no lower-casing, also for portability).
 * @throws Error when the target has no tokens or the sequence is not longer than them.
 */
export function planInContext(tok: Tokenizer, item: PlanInput): TeacherForcingPlan {
  const bos = tok.special.bos;
  const t = tok.encode(item.target).ids;
  const labels = bos !== null && t[0] === bos ? t.slice(1) : t;
  if (labels.length === 0) throw new Error(`teacher forcing: the target ${JSON.stringify(item.target)} has no tokens`);
  const full = tok.encode(`${item.prompt} ${item.target}`).ids;
  if (full.length <= labels.length) throw new Error(`teacher forcing: ${full.length} tokens leave no position before the ${labels.length} target tokens`);
  const start = full.length - 1 - labels.length;
  const reads = labels.map((_, i) => ({ sequence: 0, position: start + i }));
  const tail = full.slice(full.length - labels.length);
  return {
    sequences: [full],
    reads,
    labels,
    reference: tok.decode(labels, { skipSpecialTokens: true }),
    lowerStrip: false,
    boundaryMismatch: tail.some((id, i) => id !== labels[i]),
  };
}

/**
 * Plans the teacher-forced evaluation of one item under the rules of a scorer mode.
 * @throws Error for an empty target.
 * @example
 * const plan = planTeacherForcing(tok, { kind: 'rewrite', prompt: q, target: a }, scoringRules('correct'));
 * // run plan.sequences, take argmax at plan.reads → predictions; then scoreItem(...)
 */
export function planTeacherForcing(tokenizer: Tokenizer, item: PlanInput, rules: ScoringRules, opts: PlanOptions = {}): TeacherForcingPlan {
  if (item.target.trim() === '') throw new Error(`teacher forcing: empty target for the ${item.kind} prompt ${JSON.stringify(item.prompt)}`);
  return rules.teacherForcing === 'single-pass' ? singlePass(tokenizer, item, rules) : perPrefix(tokenizer, item, rules, opts);
}

/**
 * Reads predictions from per-sequence argmax ids: `argmax[s][p]` is the argmax at position p of
 * sequence s.
 */
export function readPredictions(plan: Pick<TeacherForcingPlan, 'reads'>, argmax: readonly (readonly number[])[]): number[] {
  return plan.reads.map(({ sequence, position }) => {
    const row = argmax[sequence];
    if (!row || position >= row.length) throw new Error(`readPredictions: no argmax at sequence ${sequence}, position ${position}`);
    return row[position];
  });
}
