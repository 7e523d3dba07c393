/**
 * Token rows and the two losses of editor training. A row is `prompt + " " + target` tokenized as
 * the evaluator's single pass does it; its labels are the tokens after the prompt's, predicted from the
 * position before each (EasyEdit's shifted, right-aligned NLL without the BOS-label quirk).
 */
import { argmax, div, gather, greater, klDivLogits, matmul, mean, mul, pickLast, reshape, rmsNorm, sum, tensor, where, type Backend, type Hook, type LanguageModel, type Tensor, type Tokenizer } from '@crossedit/core';

/** One tokenized row. */
export interface Row {
  ids: number[];
  /** Index of the first label token in `ids` (≥ 1). */
  labelStart: number;
}

/** The row of `prompt + " " + target`, labels = the target's tokens. */
export function editRow(tok: Tokenizer, prompt: string, target: string): Row {
  const p = tok.encode(prompt).ids.length;
  const ids = tok.encode(`${prompt} ${target}`).ids;
  const labelStart = Math.min(Math.max(1, p), ids.length - 1);
  if (ids.length < 2) throw new Error(`editRow: ${JSON.stringify(prompt)} + ${JSON.stringify(target)} tokenizes to fewer than 2 tokens`);
  return { ids, labelStart };
}

/** A right-padded batch: ids, attention mask, next-token targets and the loss mask over label positions. */
export interface Batch {
  rows: number;
  cols: number;
  ids: Tensor;
  mask: Tensor;
  targets: Tensor;
  lossMask: Tensor;
  /** `[N]` i32: flat indices (`row · cols + pos`) of the label positions, row by row. */
  sel: Tensor;
  /** `[N]` i32: the label predicted at each of them. */
  selTargets: Tensor;
  /** Host copies, for accuracy. */
  host: { ids: Int32Array; targets: Int32Array; lossMask: Float64Array; lengths: number[]; sel: number[]; selRow: number[]; selTargets: number[] };
}

/** Collates rows into a batch on `backend` (pad id `pad`). */
export function collate(rows: readonly Row[], pad: number, backend: Backend): Batch {
  const b = rows.length;
  const s = Math.max(...rows.map((r) => r.ids.length));
  const ids = new Int32Array(b * s).fill(pad);
  const mask = new Float64Array(b * s);
  const targets = new Int32Array(b * s);
  const lossMask = new Float64Array(b * s);
  const sel: number[] = [];
  const selRow: number[] = [];
  const selTargets: number[] = [];
  rows.forEach((r, i) => {
    for (let p = r.labelStart - 1; p < r.ids.length - 1; p++) {
      sel.push(i * s + p);
      selRow.push(i);
      selTargets.push(r.ids[p + 1]);
    }
    r.ids.forEach((id, p) => {
      ids[i * s + p] = id;
      mask[i * s + p] = 1;
    });
    for (let p = r.labelStart - 1; p < r.ids.length - 1; p++) {
      targets[i * s + p] = r.ids[p + 1];
      lossMask[i * s + p] = 1;
    }
  });
  return {
    rows: b,
    cols: s,
    ids: tensor(ids, [b, s], { dtype: 'i32', backend }),
    mask: tensor(mask, [b, s], { backend }),
    targets: tensor(targets, [b, s], { dtype: 'i32', backend }),
    lossMask: tensor(lossMask, [b, s], { backend }),
    sel: tensor(Int32Array.from(sel), [sel.length], { dtype: 'i32', backend }),
    selTargets: tensor(Int32Array.from(selTargets), [sel.length], { dtype: 'i32', backend }),
    host: { ids, targets, lossMask, lengths: rows.map((r) => r.ids.length), sel, selRow, selTargets },
  };
}

/** Releases a batch's tensors. */
export function disposeBatch(b: Batch): void {
  for (const t of [b.ids, b.mask, b.targets, b.lossMask, b.sel, b.selTargets]) t.dispose();
}

/** Mean negative log-likelihood of the labels under log-probabilities `logp` `[B, S, V]`. */
export function maskedNll(logp: Tensor, b: Batch): Tensor {
  const total = sum(mul(pickLast(logp, b.targets), b.lossMask));
  const count = sum(b.lossMask);
  return div(mul(total, -1), where(greater(count, 0), count, 1));
}

/** Mean KL(p_base ‖ p_post) over the label positions of `b` (both arguments log-probabilities). */
export function maskedKl(logBase: Tensor, logPost: Tensor, b: Batch): Tensor {
  const kl = klDivLogits(logBase, logPost);
  const count = sum(b.lossMask);
  return div(sum(mul(kl, b.lossMask)), where(greater(count, 0), count, 1));
}

/** Teacher-forced token accuracy of the labels (argmax of `logits` at each label position), per row. */
export async function labelAccuracy(logits: Tensor, b: Batch): Promise<number[]> {
  const am = argmax(logits, -1);
  const pred = await am.data();
  am.dispose();
  const out: number[] = [];
  for (let r = 0; r < b.rows; r++) {
    let hit = 0;
    let n = 0;
    for (let p = 0; p < b.cols; p++) {
      const k = r * b.cols + p;
      if (!b.host.lossMask[k]) continue;
      n++;
      if (pred[k] === b.host.targets[k]) hit++;
    }
    out.push(n ? hit / n : 0);
  }
  return out;
}

/** Argmax agreement of two logits tensors at the label positions, per row (locality). */
export async function labelAgreement(a: Tensor, c: Tensor, b: Batch): Promise<number[]> {
  const [x, y] = [argmax(a, -1), argmax(c, -1)];
  const [pa, pc] = [await x.data(), await y.data()];
  x.dispose();
  y.dispose();
  const out: number[] = [];
  for (let r = 0; r < b.rows; r++) {
    let same = 0;
    let n = 0;
    for (let p = 0; p < b.cols; p++) {
      const k = r * b.cols + p;
      if (!b.host.lossMask[k]) continue;
      n++;
      if (pa[k] === pc[k]) same++;
    }
    out.push(n ? same / n : 1);
  }
  return out;
}

/**
 * The LM head on hidden rows `[N, D]`: final RMSNorm and the (tied or separate) output matrix. Only the
 * positions that are scored pay for the vocabulary-sized matmul.
 */
export function headLogits(model: LanguageModel, hidden: Tensor): Tensor {
  if (model.config.normHead) throw new Error('headLogits: normalised LM heads (Baichuan2) are not supported here');
  const h = rmsNorm(hidden, model.weight({ kind: 'norm.final' }), model.config.rmsNormEps);
  return matmul(h, model.weight({ kind: 'lmHead' }), { transB: true });
}

/** Logits `[N, V]` at the label positions of `b` only (a forward that stops before the head, then the head on N rows). */
export function labelLogits(model: LanguageModel, b: Batch, hooks?: readonly Hook[]): Tensor {
  const out = model.forward(b.ids, { attentionMask: b.mask, hooks, stopAfterLayer: model.config.numLayers - 1 });
  const flat = reshape(out.hidden, [b.rows * b.cols, model.config.hiddenSize]);
  return headLogits(model, gather(flat, b.sel));
}

/** Mean NLL of the labels from log-probabilities at the label positions `[N, V]`. */
export function selNll(logp: Tensor, b: Batch): Tensor {
  return mul(mean(pickLast(logp, b.selTargets)), -1);
}

/** Mean KL(p_base ‖ p_post) over the label positions (`[N, V]` log-probabilities each). */
export function selKl(logBase: Tensor, logPost: Tensor): Tensor {
  return mean(klDivLogits(logBase, logPost));
}

/** Per-row token accuracy from logits at the label positions `[N, V]`. */
export async function selAccuracy(logits: Tensor, b: Batch): Promise<number[]> {
  const am = argmax(logits, -1);
  const pred = await am.data();
  am.dispose();
  const hit = new Array(b.rows).fill(0);
  const n = new Array(b.rows).fill(0);
  b.host.selRow.forEach((r, i) => {
    n[r]++;
    if (pred[i] === b.host.selTargets[i]) hit[r]++;
  });
  return hit.map((h, r) => (n[r] ? h / n[r] : 0));
}

/** Per-row argmax agreement of two `[N, V]` logits at the label positions (locality). */
export async function selAgreement(a: Tensor, c: Tensor, b: Batch): Promise<number[]> {
  const [x, y] = [argmax(a, -1), argmax(c, -1)];
  const [pa, pc] = [await x.data(), await y.data()];
  x.dispose();
  y.dispose();
  const same = new Array(b.rows).fill(0);
  const n = new Array(b.rows).fill(0);
  b.host.selRow.forEach((r, i) => {
    n[r]++;
    if (pa[i] === pc[i]) same[r]++;
  });
  return same.map((v, r) => (n[r] ? v / n[r] : 1));
}
