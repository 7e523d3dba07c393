/** Batched forward passes that return only argmax ids (never the full logits) to the host. */
import { argmax, tensor, tidy, type LanguageModel, type Tensor } from '@crossedit/core';

/** Options of {@link argmaxRows}. */
export interface ArgmaxOptions {
  /** Upper bound on padded tokens per forward pass (rows are grouped by length). Default 4096. */
  batchTokens?: number;
  /** Id used for padding (masked out). Default 0. */
  padId?: number;
}

/**
 * Runs every sequence through the model (right-padded batches with an attention mask) and returns,
 * per sequence, the argmax id at each of its positions. With `positions` (one list per sequence), only
 * those positions are wanted: a model that can run its head at given rows (`supportsLogitsAt`) runs it
 * there alone, and the other positions read -1.
 */
export async function argmaxRows(model: LanguageModel, sequences: readonly (readonly number[])[], opts: ArgmaxOptions = {}, positions?: readonly (readonly number[])[]): Promise<number[][]> {
  const sparse = !!positions && !!model.supportsLogitsAt;
  const budget = opts.batchTokens ?? 4096;
  const padId = opts.padId ?? 0;
  const order = sequences.map((_, i) => i).sort((a, b) => sequences[a].length - sequences[b].length);
  const out: number[][] = new Array(sequences.length);
  let at = 0;
  while (at < order.length) {
    // grow the group while the padded size stays within budget (lengths ascend, so the last is longest)
    let end = at + 1;
    while (end < order.length && sequences[order[end]].length * (end + 1 - at) <= budget) end++;
    const group = order.slice(at, end);
    const s = Math.max(1, sequences[group[group.length - 1]].length);
    const b = group.length;
    const ids = new Int32Array(b * s).fill(padId);
    const mask = new Float64Array(b * s);
    group.forEach((g, r) => {
      sequences[g].forEach((id, p) => {
        ids[r * s + p] = id;
        mask[r * s + p] = 1;
      });
    });
    // the flat rows (r·s + p) wanted, when only some positions are
    const headRows = sparse ? group.flatMap((g, r) => positions![g].map((p) => r * s + p)) : undefined;
    if (headRows && headRows.length === 0) {
      for (const g of group) out[g] = new Array<number>(sequences[g].length).fill(-1);
      at = end;
      continue;
    }
    const be = model.backend;
    const idsT = tensor(ids, [b, s], { backend: be, dtype: 'i32' });
    const maskT = tensor(mask, [b, s], { backend: be });
    let v: Awaited<ReturnType<Tensor['data']>>;
    try {
      // a model with host-side work before its forward pass (SERAC with a BERT classifier) does it now
      await model.prepare?.(idsT, { attentionMask: maskT });
      const am = tidy(() => {
        const { logits } = model.forward(idsT, {
          attentionMask: maskT,
          ...(headRows ? { logitsAt: tensor(Int32Array.from(headRows), [headRows.length], { backend: be, dtype: 'i32' }) } : {}),
        });
        return argmax(logits!, -1);
      });
      try {
        v = await am.data();
      } finally {
        am.dispose();
      }
    } finally {
      idsT.dispose();
      maskT.dispose();
    }
    let k = 0;
    group.forEach((g, r) => {
      if (!headRows) out[g] = Array.from(v.subarray(r * s, r * s + sequences[g].length));
      else {
        const row = new Array<number>(sequences[g].length).fill(-1);
        for (const p of positions![g]) row[p] = v[k++];
        out[g] = row;
      }
    });
    at = end;
  }
  return out;
}
