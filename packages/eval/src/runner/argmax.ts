/** Batched forward passes that return only argmax ids (never the full logits) to the host. */
import { argmax, prefillCache, tensor, tidy, type KVCache, type LanguageModel, type Tensor } from '@crossedit/core';

/** The shortest head shared by a group's sequences that is computed once over a prefix cache. */
export const MIN_SHARED_HEAD = 16;

/**
 * How many leading tokens every sequence of `group` has in common, kept before each wanted position
 * (the logits there must come from the tails).
 */
function sharedHead(sequences: readonly (readonly number[])[], positions: readonly (readonly number[])[], group: readonly number[]): number {
  const first = sequences[group[0]];
  let c = Math.min(...group.map((g) => Math.min(sequences[g].length, ...positions[g])));
  for (const g of group.slice(1)) {
    const seq = sequences[g];
    let i = 0;
    while (i < c && seq[i] === first[i]) i++;
    c = i;
  }
  return c;
}

/** The keys/values of `head` (one row) in a new cache of the model. */
function headCache(model: LanguageModel, head: readonly number[]): KVCache {
  const ids = tensor(Int32Array.from(head), [1, head.length], { backend: model.backend, dtype: 'i32' });
  try {
    return prefillCache(model, ids);
  } finally {
    ids.dispose();
  }
}

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
 * there alone, and the other positions read -1. When, in addition, the sequences of a batch start with
 * the same {@link MIN_SHARED_HEAD} or more tokens before every wanted position (IKE's demonstrations
 * before each question of a record) and the model `supportsPrefix`, that head is run once into a
 * one-row prefix cache and the batch runs the tails over it: the same logits up to float rounding
 * (causal attention: the head's keys/values do not depend on what follows).
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
    const b = group.length;
    // a shared head run once: the batch is the tails from `c` on (the logits' positions shift by c)
    const shared = sparse && model.supportsPrefix && !model.prepare && b > 1 ? sharedHead(sequences, positions!, group) : 0;
    const c = shared >= MIN_SHARED_HEAD ? shared : 0;
    const s = Math.max(1, sequences[group[group.length - 1]].length - c);
    const ids = new Int32Array(b * s).fill(padId);
    const mask = new Float64Array(b * s);
    group.forEach((g, r) => {
      const seq = sequences[g];
      for (let p = c; p < seq.length; p++) {
        ids[r * s + p - c] = seq[p];
        mask[r * s + p - c] = 1;
      }
    });
    // the flat rows (r·s + p) wanted, when only some positions are
    const headRows = sparse ? group.flatMap((g, r) => positions![g].map((p) => r * s + p - c)) : undefined;
    if (headRows && headRows.length === 0) {
      for (const g of group) out[g] = new Array<number>(sequences[g].length).fill(-1);
      at = end;
      continue;
    }
    const be = model.backend;
    const prefix = c > 0 ? headCache(model, sequences[group[0]].slice(0, c)) : null;
    const idsT = tensor(ids, [b, s], { backend: be, dtype: 'i32' });
    const maskT = tensor(mask, [b, s], { backend: be });
    let v: Awaited<ReturnType<Tensor['data']>>;
    try {
      // a model with host-side work before its forward pass (SERAC with a BERT classifier) does it now
      await model.prepare?.(idsT, { attentionMask: maskT });
      const am = tidy(() => {
        const { logits } = model.forward(idsT, {
          attentionMask: maskT,
          ...(prefix ? { prefix } : {}),
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
      prefix?.dispose();
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
