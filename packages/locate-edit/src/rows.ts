/**
 * Token rows for the locate-and-edit methods: a context template around the edit prompt, the index of
 * the subject's last token (the reference's `subject_last` rule), and teacher-forced target labels.
 */
import { tensor, type Backend, type EditRequest, type Tensor, type Tokenizer } from '@crossedit/core';

/** One tokenized row: ids, the lookup position, and labels (position, id) for the NLL. */
export interface EditRow {
  ids: number[];
  /** Index of the subject's last token. */
  lookup: number;
  /** `labels[j] = [pos, id]`: the logits at `pos` must predict `id`. */
  labels: [number, number][];
}

/** A padded batch of rows (right padding, so absolute positions stay valid). */
export interface RowBatch {
  ids: Tensor;
  mask: Tensor;
  /** Padded length. */
  seqLen: number;
  rows: readonly EditRow[];
}

/**
 * The edit prompt with its subject replaced by `{}` (first occurrence). Throws, naming the request,
 * when the subject does not occur.
 */
export function promptTemplate(req: EditRequest): string {
  const at = req.subject === '' ? -1 : req.prompt.indexOf(req.subject);
  if (at < 0) throw new Error(`request ${req.id}: subject '${req.subject}' does not occur in the prompt '${req.prompt}'`);
  return req.prompt.slice(0, at) + '{}' + req.prompt.slice(at + req.subject.length);
}

/**
 * Which token an edit is keyed on (the reference's `fact_token`): the subject's last token, or the last
 * token of the prompt.
 */
export type FactToken = 'subject_last' | 'last';

/**
 * Tokenizes `context` (a template with one `{}`) around `template` (a prompt with `{}` for the subject)
 * and finds the lookup token: with `subject_last` (default) the subject's last token,
 * `|tok(prefix + subject)| - 1` with BOS (`Tokenizer.locate`, method `prefix`); with `last` the row's last token.
 */
export function contextRow(tok: Tokenizer, context: string, template: string, subject: string, factToken: FactToken = 'subject_last'): EditRow {
  const full = context.replace('{}', () => template);
  const at = full.indexOf('{}');
  if (at < 0) throw new Error(`context template '${context}' has no {} for the prompt`);
  const prefix = full.slice(0, at);
  const text = prefix + subject + full.slice(at + 2);
  const ids = tok.encode(text, { addBos: true }).ids;
  if (factToken === 'last') return { ids, lookup: ids.length - 1, labels: [] };
  const lookup = tok.locate(prefix + subject, subject, { addBos: true, method: 'prefix', occurrence: 'last' });
  if (lookup < 0 || lookup >= ids.length) {
    throw new Error(`subject '${subject}' in '${text}': lookup index ${lookup} is outside the ${ids.length} tokens`);
  }
  return { ids, lookup, labels: [] };
}

/**
 * Target token ids.
 * - default: the tokens of `prompt + " " + target` after those of `prompt` (no BOS), i.e. the target
 *   as it follows the prompt in running text;
 * - `paperEra`: `[BOS, ...tok(target)]` without a leading space, as paper-era EasyEdit did.
 */
export function targetIds(tok: Tokenizer, prompt: string, target: string, paperEra: boolean): number[] {
  if (target.trim() === '') throw new Error(`target '${target}' is empty`);
  if (paperEra) {
    const bos = tok.special.bos;
    const ids = tok.encode(target, { addBos: false }).ids;
    return bos === null ? ids : [bos, ...ids];
  }
  const sep = /\s$/.test(prompt) || /^\s/.test(target) ? '' : ' ';
  const text = prompt + sep + target;
  const full = tok.encode(text, { addBos: true });
  const base = tok.encode(prompt, { addBos: true }).ids;
  let out: number[];
  if (base.every((id, i) => full.ids[i] === id)) out = full.ids.slice(base.length);
  else {
    // the prompt's last token merged with the target: take the tokens that end inside the target
    const start = full.offsets.findIndex(([, e], i) => i > 0 && e > prompt.length);
    out = start < 0 ? [] : full.ids.slice(start);
  }
  if (out.length === 0) throw new Error(`target '${target}' of prompt '${prompt}' gives no tokens`);
  return out;
}

/**
 * A rewriting row: the context row followed by `target[:-1]`, labelled so that the logits at the last
 * prompt token and at each target token but the last predict the next target token.
 */
export function rewriteRow(tok: Tokenizer, context: string, template: string, subject: string, target: readonly number[], factToken: FactToken = 'subject_last'): EditRow {
  const r = contextRow(tok, context, template, subject, factToken);
  const p = r.ids.length;
  const ids = [...r.ids, ...target.slice(0, -1)];
  const labels = target.map((id, j) => [p - 1 + j, id] as [number, number]);
  return { ids, lookup: r.lookup, labels };
}

/** Pads rows on the right into `[B, S]` ids (i32) and mask (f32) tensors on `backend`. */
export function batchRows(tok: Tokenizer, rows: readonly EditRow[], backend: Backend): RowBatch {
  const s = Math.max(...rows.map((r) => r.ids.length));
  const pad = tok.special.pad ?? tok.special.eos ?? 0;
  const ids = new Int32Array(rows.length * s).fill(pad);
  const mask = new Float64Array(rows.length * s);
  rows.forEach((r, i) => {
    r.ids.forEach((id, j) => {
      ids[i * s + j] = id;
      mask[i * s + j] = 1;
    });
  });
  return {
    ids: tensor(ids, [rows.length, s], { backend, dtype: 'i32' }),
    mask: tensor(mask, [rows.length, s], { backend }),
    seqLen: s,
    rows,
  };
}
