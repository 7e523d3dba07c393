/** Reductions over axes. */
import type { ReduceOp } from '../kernels/defs.js';
import { runKernel } from '../engine.js';
import { normAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { div } from './elementwise.js';
import { reshape } from './layout.js';

/** Axes to reduce: one axis, several, or all (`undefined`). */
export type Axes = number | readonly number[] | undefined;

function axesOf(x: Tensor, axes: Axes, op: string): number[] {
  const list = axes === undefined ? x.shape.map((_, i) => i) : typeof axes === 'number' ? [axes] : [...axes];
  return [...new Set(list.map((a) => normAxis(a, x.rank, op)))].sort((a, b) => b - a);
}

function reduceOp(op: ReduceOp, x: Tensor, axes: Axes, keepDims: boolean): Tensor {
  const list = axesOf(x, axes, op);
  if (list.length === 0) return reshape(x, x.shape);
  let y = x;
  // reduce the highest axes first so lower indices stay valid; keepDims keeps ranks
  for (const ax of list) {
    const next = runKernel('Reduce', { x: y }, { op, axis: ax, keepDims: true })[0];
    if (y !== x) y.dispose();
    y = next;
  }
  if (!keepDims) y = reshape(y, x.shape.filter((_, i) => !list.includes(i)));
  return y;
}

/** Sum over axes (all by default). */
export function sum(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  return reduceOp('sum', x, axes, keepDims);
}

/** Max over axes (all by default). */
export function max(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  return reduceOp('max', x, axes, keepDims);
}

/** Min over axes (all by default). */
export function min(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  return reduceOp('min', x, axes, keepDims);
}

/** Mean over axes (all by default). */
export function mean(x: Tensor, axes?: Axes, keepDims = false): Tensor {
  const list = axesOf(x, axes, 'mean');
  const n = list.reduce((acc, a) => acc * x.shape[a], 1);
  return div(sum(x, axes, keepDims), n);
}

/** Index of the maximum along `axis` (i32; first index on ties). */
export function argmax(x: Tensor, axis = -1, keepDims = false): Tensor {
  return runKernel('ArgReduce', { x }, { op: 'argmax', axis, keepDims })[0];
}

/** Index of the minimum along `axis` (i32; first index on ties). */
export function argmin(x: Tensor, axis = -1, keepDims = false): Tensor {
  return runKernel('ArgReduce', { x }, { op: 'argmin', axis, keepDims })[0];
}

/** The `k` largest values along the last axis, descending, and their i32 indices. */
export function topk(x: Tensor, k: number): { values: Tensor; indices: Tensor } {
  const [values, indices] = runKernel('TopK', { x }, { k });
  return { values, indices };
}
