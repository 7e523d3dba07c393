/** Teacher-forced scoring: per-target-token argmax predictions, log-probabilities and accuracy. */
import { argmax, logSoftmax, pickLast, tensor, tidy, type LanguageModel, type PaddingSide, type Tokenizer } from '@crossedit/core';
import { selectAt } from './hooks.js';

/** One scoring item: the prompt's ids and the target's ids that follow it. */
export interface TeacherForcedItem {
  promptIds: readonly number[];
  targetIds: readonly number[];
}

/** The score of one item. */
export interface TeacherForcedScore {
  /** Argmax id predicted for each target token (from the position before it). */
  predictions: number[];
  /** `log p(target_t | prompt, target_<t)` per target token. */
  logProbs: number[];
  /** `predictions[t] === targetIds[t]`. */
  correct: boolean[];
  /** Fraction of correct target tokens (0 for an empty target). */
  accuracy: number;
}

/** Options of {@link scoreTeacherForcedBatch}. */
export interface ScoreOptions {
  /** Id used for padding (masked out; default 0). */
  padId?: number;
  /** Padding side of the batch (default `'left'`, as EasyEdit HEAD's evaluator). */
  paddingSide?: PaddingSide;
}

/**
 * Scores several items in one padded forward pass: each row is `prompt ++ target`; the prediction for
 * target token `t` is the argmax of the logits at the position before it (EasyEdit HEAD's
 * `test_prediction_acc`). The prompt must be non-empty.
 *
 * @example
 * ```ts
 * const [s] = await scoreTeacherForcedBatch(model, [{ promptIds: [1, 15, 8], targetIds: [42, 7] }]);
 * s.accuracy; // 0, 0.5 or 1
 * ```
 */
export async function scoreTeacherForcedBatch(model: LanguageModel, items: readonly TeacherForcedItem[], opts: ScoreOptions = {}): Promise<TeacherForcedScore[]> {
  if (items.length === 0) return [];
  const padId = opts.padId ?? 0;
  const left = (opts.paddingSide ?? 'left') === 'left';
  const lens = items.map((it, i) => {
    if (it.promptIds.length === 0) throw new RangeError(`scoreTeacherForced: item ${i} has an empty prompt`);
    return it.promptIds.length + it.targetIds.length;
  });
  const s = Math.max(...lens);
  const b = items.length;
  const ids = new Int32Array(b * s).fill(padId);
  const mask = new Float64Array(b * s);
  const rows: number[] = [];
  const positions: number[] = [];
  const targets: number[] = [];
  items.forEach((it, r) => {
    const off = left ? s - lens[r] : 0;
    [...it.promptIds, ...it.targetIds].forEach((id, j) => {
      ids[r * s + off + j] = id;
      mask[r * s + off + j] = 1;
    });
    it.targetIds.forEach((id, t) => {
      rows.push(r);
      positions.push(off + it.promptIds.length - 1 + t);
      targets.push(id);
    });
  });
  if (targets.length === 0) return items.map(() => ({ predictions: [], logProbs: [], correct: [], accuracy: 0 }));
  const be = model.backend;
  const [pred, lp] = tidy(() => {
    const idT = tensor(ids, [b, s], { backend: be, dtype: 'i32' });
    const mT = tensor(mask, [b, s], { backend: be });
    const logits = model.forward(idT, { attentionMask: mT }).logits!;
    const sel = logSoftmax(selectAt(logits, rows, positions)); // [n, V]
    const tgt = tensor(Int32Array.from(targets), [targets.length], { backend: be, dtype: 'i32' });
    return [argmax(sel, -1), pickLast(sel, tgt)];
  });
  const pv = await pred.data();
  const lv = await lp.data();
  pred.dispose();
  lp.dispose();
  let at = 0;
  return items.map((it) => {
    const n = it.targetIds.length;
    const predictions = Array.from(pv.subarray(at, at + n));
    const logProbs = Array.from(lv.subarray(at, at + n));
    at += n;
    const correct = predictions.map((p, t) => p === it.targetIds[t]);
    return { predictions, logProbs, correct, accuracy: n ? correct.filter(Boolean).length / n : 0 };
  });
}

/** {@link scoreTeacherForcedBatch} for one item. */
export async function scoreTeacherForced(model: LanguageModel, promptIds: readonly number[], targetIds: readonly number[]): Promise<TeacherForcedScore> {
  return (await scoreTeacherForcedBatch(model, [{ promptIds, targetIds }]))[0];
}

/**
 * The ids of a (prompt, target) pair as EasyEdit HEAD builds them: `encode(prompt + " " + target)`,
 * split after `encode(prompt).length` tokens (BOS included in the prompt when the tokenizer adds it).
 */
export function teacherForcedIds(tokenizer: Tokenizer, prompt: string, target: string): TeacherForcedItem {
  const full = tokenizer.encode(`${prompt} ${target}`).ids;
  const p = tokenizer.encode(prompt).ids.length;
  return { promptIds: full.slice(0, p), targetIds: full.slice(p) };
}
