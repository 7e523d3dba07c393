/** Shape and layout ops: reshape, transpose, slice, pad, concat, cast. */
import type { DType } from '../dtype.js';
import { alias, runKernel } from '../engine.js';
import { ShapeError } from '../errors.js';
import { normAxis, sizeOf, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';

/** Same data, new shape; one extent may be -1 (inferred). No copy. */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const known = shape.filter((d) => d !== -1);
  const holes = shape.length - known.length;
  let resolved = [...shape];
  if (holes > 1) throw new ShapeError(`Reshape: at most one -1 allowed in [${shape.join(',')}]`);
  if (holes === 1) {
    const k = sizeOf(known);
    if (k === 0 || x.size % k !== 0) throw new ShapeError(`Reshape: cannot infer -1 in [${shape.join(',')}] for ${x.describe()}`);
    resolved = shape.map((d) => (d === -1 ? x.size / k : d));
  }
  return runKernel('Reshape', { x }, { shape: resolved })[0];
}

/** Permutes axes (reverses them by default). */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  return runKernel('Transpose', { x }, { perm: perm ?? x.shape.map((_, i) => x.rank - 1 - i) })[0];
}

/** Swaps two axes. */
export function swapAxes(x: Tensor, a: number, b: number): Tensor {
  const perm = x.shape.map((_, i) => i);
  const i = normAxis(a, x.rank, 'swapAxes');
  const j = normAxis(b, x.rank, 'swapAxes');
  [perm[i], perm[j]] = [perm[j], perm[i]];
  return transpose(x, perm);
}

/** A box of x; `size` entries of -1 run to the end of the axis. */
export function slice(x: Tensor, begin: readonly number[], size?: readonly number[]): Tensor {
  const b = x.shape.map((_, i) => begin[i] ?? 0);
  const s = x.shape.map((d, i) => (size?.[i] === undefined || size[i] === -1 ? d - b[i] : size[i]));
  return runKernel('Slice', { x }, { begin: b, size: s })[0];
}

/** `x[start:stop]` along one axis. */
export function sliceAxis(x: Tensor, axis: number, start: number, stop: number): Tensor {
  const ax = normAxis(axis, x.rank, 'sliceAxis');
  const begin = x.shape.map((_, i) => (i === ax ? start : 0));
  const size = x.shape.map((d, i) => (i === ax ? stop - start : d));
  return runKernel('Slice', { x }, { begin, size })[0];
}

/** Zero padding. */
export function pad(x: Tensor, before: readonly number[], after: readonly number[]): Tensor {
  return runKernel('Pad', { x }, { before, after })[0];
}

/** Concatenation along an axis. */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 1) return reshape(xs[0], xs[0].shape);
  return runKernel('Concat', { xs: [...xs] }, { axis })[0];
}

/** Stacks equal-shaped tensors along a new axis. */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new ShapeError('stack: needs at least one tensor');
  const ax = normAxis(axis, xs[0].rank + 1, 'stack');
  const parts = xs.map((x) => reshape(x, [...x.shape.slice(0, ax), 1, ...x.shape.slice(ax)]));
  const out = concat(parts, ax);
  for (const p of parts) p.dispose();
  return out;
}

/** Inserts an axis of extent 1. */
export function expandDims(x: Tensor, axis: number): Tensor {
  const ax = normAxis(axis, x.rank + 1, 'expandDims');
  return reshape(x, [...x.shape.slice(0, ax), 1, ...x.shape.slice(ax)]);
}

/** Removes axes of extent 1 (all of them by default). */
export function squeeze(x: Tensor, axes?: readonly number[]): Tensor {
  const list = axes?.map((a) => normAxis(a, x.rank, 'squeeze'));
  return reshape(x, x.shape.filter((d, i) => !(d === 1 && (!list || list.includes(i)))));
}

/** Converts between f32 and i32, or f32 and f16 (f32 → f16 rounds to nearest even). */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return reshape(x, x.shape);
  return runKernel('Cast', { x }, { dtype })[0];
}

/** A new handle on the same data that no tape tracks: gradients stop here. No copy. */
export function detach(x: Tensor): Tensor {
  return alias(x);
}
