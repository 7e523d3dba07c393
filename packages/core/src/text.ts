/**
 * Tokenised prompt/target batches for teacher forcing, shared by methods and the evaluator. The target
 * follows the prompt after a separator (a space by default); positions are labelled so that the logits
 * at position p are scored against the token at p + 1.
 */
import type { Backend } from './backend.js';
import { tensor } from './ops/creation.js';
import type { Tensor } from './tensor.js';
import type { Tokenizer } from './tokenizer.js';

/** One prompt/target pair. */
export interface PromptTarget {
  prompt: string;
  target: string;
}

/** Options of {@link teacherForcedRows}. */
export interface TeacherForcedOptions {
  /** Text between prompt and target (default `' '`). */
  sep?: string;
  /** Prepend BOS (default true). */
  addBos?: boolean;
}

/** A tokenised pair: `ids = prompt ids + target ids`. */
export interface TeacherForcedRow {
  ids: number[];
  /** Tokens of the prompt (BOS included). */
  promptLen: number;
  /** The target's ids as they appear in `ids` (from `promptLen` on). */
  targetIds: number[];
}

/**
 * Tokenises `prompt + sep + target` and splits it at the prompt's token count (the reference rule:
 * SentencePiece may merge across the boundary, in which case the split follows the prompt's own count).
 */
export function teacherForcedRows(tok: Tokenizer, items: readonly PromptTarget[], opts: TeacherForcedOptions = {}): TeacherForcedRow[] {
  const sep = opts.sep ?? ' ';
  const addBos = opts.addBos ?? true;
  return items.map(({ prompt, target }) => {
    const promptLen = tok.encode(prompt, { addBos }).ids.length;
    const ids = tok.encode(prompt + sep + target, { addBos }).ids;
    const start = Math.min(promptLen, ids.length - 1);
    return { ids, promptLen: start, targetIds: ids.slice(start) };
  });
}

/** A right-padded teacher-forcing batch on a backend. */
export interface TeacherForcedBatch {
  /** `[B, S]` i32 token ids. */
  ids: Tensor;
  /** `[B, S]` f32, 1 for real tokens. */
  attentionMask: Tensor;
  /** `[B, S]` i32: the token each position should predict (0 where unlabelled). */
  labels: Tensor;
  /** `[B, S]` f32: 1 where `labels` holds a target token. */
  labelMask: Tensor;
  /** The rows as tokenised. */
  rows: TeacherForcedRow[];
  /** Padded length S. */
  seqLen: number;
}

/**
 * Builds a right-padded batch whose label mask covers exactly the target tokens: position
 * `promptLen - 1 + j` predicts target token j.
 */
export function teacherForcedBatch(rows: readonly TeacherForcedRow[], backend: Backend, padId = 0): TeacherForcedBatch {
  const b = rows.length;
  const s = Math.max(1, ...rows.map((r) => r.ids.length));
  const ids = new Int32Array(b * s).fill(padId);
  const mask = new Float64Array(b * s);
  const labels = new Int32Array(b * s);
  const lmask = new Float64Array(b * s);
  rows.forEach((r, i) => {
    r.ids.forEach((id, p) => {
      ids[i * s + p] = id;
      mask[i * s + p] = 1;
    });
    r.targetIds.forEach((id, j) => {
      const p = r.promptLen - 1 + j;
      labels[i * s + p] = id;
      lmask[i * s + p] = 1;
    });
  });
  return {
    ids: tensor(ids, [b, s], { backend, dtype: 'i32' }),
    attentionMask: tensor(mask, [b, s], { backend }),
    labels: tensor(labels, [b, s], { backend, dtype: 'i32' }),
    labelMask: tensor(lmask, [b, s], { backend }),
    rows: [...rows],
    seqLen: s,
  };
}
