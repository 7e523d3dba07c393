/**
 * Training's counterfactual batch: each row gets the prefix of its chosen memory entry, left-padded to a
 * common length so that row position i sits at `P − 1 + i` (with BOS) for every row; `sel` maps the
 * base batch's label positions to the counterfactual batch.
 */
import { tensor, type Backend, type Tensor } from '@crossedit/core';
import type { Batch } from '@crossedit/editor-training';
import type { MemoryEntry } from './memory.js';

/** The counterfactual inputs of a batch. */
export interface CfBatch {
  ids: Tensor;
  mask: Tensor;
  /** `[N]` flat indices into `[rows, cols]` of the label positions of the base batch. */
  sel: Tensor;
  rows: number;
  cols: number;
}

/** Builds the counterfactual batch for `b` given each row's chosen entry. */
export function cfBatch(b: Batch, mem: readonly MemoryEntry[], choice: readonly number[], hasBos: boolean, pad: number, backend: Backend): CfBatch {
  const p = Math.max(...choice.map((c) => mem[c].prefix.length));
  const drop = hasBos ? 1 : 0;
  const cols = p + b.cols - drop;
  const ids = new Int32Array(b.rows * cols).fill(pad);
  const mask = new Float64Array(b.rows * cols);
  for (let r = 0; r < b.rows; r++) {
    const pre = mem[choice[r]].prefix;
    const off = p - pre.length;
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
  };
}

/** Releases a counterfactual batch. */
export function disposeCfBatch(c: CfBatch): void {
  for (const t of [c.ids, c.mask, c.sel]) t.dispose();
}
