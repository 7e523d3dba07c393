/**
 * Training's counterfactual batch: each row gets the prefix of its chosen memory entry, left-padded to a
 * common length so that row position i sits at `P − 1 + i` (with BOS) for every row; `sel` maps the
 * base batch's label positions to the counterfactual batch.
 */
import { gather, reshape, sliceAxis, tensor, type Backend, type Tensor } from '@crossedit/core';
import type { Batch } from '@crossedit/editor-training';
import type { PointerInputs } from './copy-head.js';
import type { MemoryEntry } from './memory.js';

/** The counterfactual inputs of a batch. */
export interface CfBatch {
  ids: Tensor;
  mask: Tensor;
  /** `[N]` flat indices into `[rows, cols]` of the label positions of the base batch. */
  sel: Tensor;
  rows: number;
  cols: number;
  /** Length of the (left-padded) prefix region. */
  prefix: number;
  /** Host ids and each row's first prefix position. */
  host: { ids: Int32Array; offsets: number[] };
}

/** Masked-out pointer positions get this score. */
const NEG = -1e9;

/**
 * The copy head's inputs for the label positions of a batch: each label position (of row `selRow[n]`)
 * may point at the tokens of its row's prefix after the first (BOS), keyed by the hidden state
 * before each (`hn` `[rows, cols, D]`, the counterfactual model's normalised hidden states).
 */
export function batchPointer(c: CfBatch, hn: Tensor, selRow: readonly number[]): PointerInputs {
  const p = c.prefix - 1;
  const d = hn.shape[2];
  const n = selRow.length;
  const be = hn.backend;
  const keysR = reshape(sliceAxis(hn, 1, 0, p), [c.rows, p * d]);
  const keys = reshape(gather(keysR, tensor(Int32Array.from(selRow), [n], { dtype: 'i32', backend: be })), [n, p, d]);
  const bias = new Float64Array(n * p);
  const tokens = new Int32Array(n * p);
  selRow.forEach((r, i) => {
    for (let j = 0; j < p; j++) {
      if (j < c.host.offsets[r]) bias[i * p + j] = NEG;
      tokens[i * p + j] = c.host.ids[r * c.cols + j + 1];
    }
  });
  return { keys, bias: tensor(bias, [n, p], { backend: be }), tokens };
}

/** Builds the counterfactual batch for `b` given each row's chosen entry. */
export function cfBatch(b: Batch, mem: readonly MemoryEntry[], choice: readonly number[], hasBos: boolean, pad: number, backend: Backend): CfBatch {
  const p = Math.max(...choice.map((c) => mem[c].prefix.length));
  const drop = hasBos ? 1 : 0;
  const cols = p + b.cols - drop;
  const ids = new Int32Array(b.rows * cols).fill(pad);
  const mask = new Float64Array(b.rows * cols);
  const offsets: number[] = [];
  for (let r = 0; r < b.rows; r++) {
    const pre = mem[choice[r]].prefix;
    const off = p - pre.length;
    offsets.push(off);
    pre.forEach((id, i) => {
      ids[r * cols + off + i] = id;
      mask[r * cols + off + i] = 1;
    });
    for (let i = drop; i < b.host.lengths[r]; i++) {
      ids[r * cols + p + i - drop] = b.host.ids[r * b.cols + i];
      mask[r * cols + p + i - drop] = 1;
    }
  }
  const start = p - drop;
  const sel = b.host.sel.map((flat) => {
    const r = Math.floor(flat / b.cols);
    return r * cols + start + (flat % b.cols);
  });
  return {
    ids: tensor(ids, [b.rows, cols], { dtype: 'i32', backend }),
    mask: tensor(mask, [b.rows, cols], { backend }),
    sel: tensor(Int32Array.from(sel), [sel.length], { dtype: 'i32', backend }),
    rows: b.rows,
    cols,
    prefix: p,
    host: { ids, offsets },
  };
}

/** Releases a counterfactual batch. */
export function disposeCfBatch(c: CfBatch): void {
  for (const t of [c.ids, c.mask, c.sel]) t.dispose();
}
