import { normAxis } from '../shape.js';
import type { KernelSpec, TensorInfo } from './spec.js';

/** Shape of a reduction over one axis. */
export function reducedShape(x: TensorInfo, axis: number, keepDims: boolean, kernel: string): number[] {
  const ax = normAxis(axis, x.shape.length, kernel);
  return keepDims ? x.shape.map((d, i) => (i === ax ? 1 : d)) : x.shape.filter((_, i) => i !== ax);
}

/** Sum/max/min over one axis. Max and min of an empty axis are -inf and +inf. */
export const ReduceSpec: KernelSpec<'Reduce'> = {
  name: 'Reduce',
  infer({ x }, { op, axis, keepDims }) {
    return [{ shape: reducedShape(x, axis, keepDims, `Reduce(${op})`), dtype: x.dtype }];
  },
};
