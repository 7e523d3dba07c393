/** The shape of a gradient (VJP) rule and helpers shared by the rules. */
import type { DifferentiableKernel, KernelAttrs, KernelInputs } from '../kernels/defs.js';
import { add, mul } from '../ops/elementwise.js';
import { fill } from '../ops/creation.js';
import { reshape } from '../ops/layout.js';
import { sum } from '../ops/reduce.js';
import { shapesEqual, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';

/** Gradients for a kernel's inputs: a tensor per input, `null` where no gradient flows. */
export type InputGrads<K extends DifferentiableKernel> = {
  [N in keyof KernelInputs<K, Tensor>]?: KernelInputs<K, Tensor>[N] extends Tensor[] ? (Tensor | null)[] : Tensor | null;
};

/**
 * Which inputs need a cotangent (those on a path from the differentiated tensors). Absent: all do.
 * A rule may return `null` for an input marked `false` and skip computing it.
 */
export type NeedsGrad<K extends DifferentiableKernel> = {
  [N in keyof KernelInputs<K, Tensor>]?: KernelInputs<K, Tensor>[N] extends Tensor[] ? boolean[] : boolean;
};

/**
 * A VJP rule, written with ops so every backend gets it: given the output cotangent `dy`, the inputs
 * and outputs of the forward call and its attributes, returns the input cotangents. `needs` tells
 * which inputs need one (rules may ignore it).
 */
export interface GradRule<K extends DifferentiableKernel> {
  vjp(dy: Tensor, inputs: KernelInputs<K, Tensor>, outputs: Tensor[], attrs: KernelAttrs<K>, needs?: NeedsGrad<K>): InputGrads<K>;
}

/** Sums `g` down to `shape` (the inverse of numpy broadcasting). */
export function unbroadcast(g: Tensor, shape: Shape): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const off = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) if (i < off || (shape[i - off] === 1 && g.shape[i] !== 1)) axes.push(i);
  const s = sum(g, axes, true);
  return reshape(s, shape);
}

/** Broadcasts `t` to `shape`. */
export function broadcastTo(t: Tensor, shape: Shape): Tensor {
  if (shapesEqual(t.shape, shape)) return t;
  return add(t, fill(shape, 0, { backend: t.backend }));
}

/** `dy * factor`. */
export function scale(dy: Tensor, factor: Tensor | number): Tensor {
  return mul(dy, factor);
}
