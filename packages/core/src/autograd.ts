/**
 * Reverse-mode autodiff on a tape. `valueAndGrads(f, wrt)` records the kernels `f` runs whose inputs
 * depend on `wrt`, then walks them backwards applying the VJP rules of `grad/`. Only tensors on a
 * path from `wrt` get gradients, so weights that are not asked for cost nothing. First order only:
 * gradient rules are not themselves recorded.
 */
import { popTape, pushTape, tidy, withoutTapes, type Tape } from './engine.js';
import { ShapeError } from './errors.js';
import { GRAD_RULES } from './grad/index.js';
import type { DifferentiableKernel } from './kernels/defs.js';
import { add } from './ops/elementwise.js';
import { fill, zerosLike } from './ops/creation.js';
import { shapesEqual } from './shape.js';
import type { Tensor } from './tensor.js';

const NON_DIFFERENTIABLE = new Set(['ArgReduce', 'Cast', 'Fill', 'TopK']);

/** Options of {@link valueAndGrads}. */
export interface GradOptions {
  /** Cotangent of the output (defaults to ones, i.e. the gradient of `sum(f())`). */
  dy?: Tensor;
}

/**
 * Evaluates `f` and the gradient of its output with respect to each tensor of `wrt`. Every tensor `f`
 * creates is released except the value and the gradients. A tensor of `wrt` that the output does not
 * depend on gets zeros.
 *
 * @example
 * ```ts
 * const { value, grads: [dw] } = valueAndGrads(() => sum(square(matmul(x, w))), [w]);
 * ```
 */
export function valueAndGrads(f: () => Tensor, wrt: readonly Tensor[], opts: GradOptions = {}): { value: Tensor; grads: Tensor[] } {
  return tidy(() => {
    const tape = pushTape(wrt);
    let y: Tensor;
    try {
      y = f();
    } finally {
      popTape(tape);
    }
    try {
      const grads = withoutTapes(() => backward(tape, y, wrt, opts.dy));
      return { value: y, grads };
    } finally {
      for (const k of tape.kept) k.dispose();
    }
  });
}

/** The gradients of `f` with respect to `wrt` (the value is released). */
export function grads(f: () => Tensor, wrt: readonly Tensor[], opts: GradOptions = {}): Tensor[] {
  return tidy(() => valueAndGrads(f, wrt, opts).grads);
}

function backward(tape: Tape, y: Tensor, wrt: readonly Tensor[], dy?: Tensor): Tensor[] {
  if (dy && !shapesEqual(dy.shape, y.shape)) {
    throw new ShapeError(`valueAndGrads: dy ${dy.describe()} does not match the output ${y.describe()}`);
  }
  const g = new Map<number, Tensor>();
  g.set(y.id, dy ?? fill(y.shape, 1, { backend: y.backend }));
  for (let n = tape.nodes.length - 1; n >= 0; n--) {
    const node = tape.nodes[n];
    const gy = g.get(node.outputs[0].id);
    if (!gy || NON_DIFFERENTIABLE.has(node.kernel)) continue;
    const rule = GRAD_RULES[node.kernel as DifferentiableKernel] as unknown as {
      vjp(dy: Tensor, inputs: unknown, outputs: Tensor[], attrs: unknown, needs: unknown): Record<string, Tensor | null | (Tensor | null)[]>;
    };
    // which inputs are on a path from `wrt` (rules may skip the others, e.g. weight gradients)
    const needs: Record<string, boolean | boolean[]> = {};
    for (const [name, value] of Object.entries(node.inputs)) {
      needs[name] = Array.isArray(value) ? value.map((x) => tape.tracked.has(x.id)) : tape.tracked.has(value.id);
    }
    const gin = rule.vjp(gy, node.inputs, node.outputs, node.attrs, needs);
    for (const [name, value] of Object.entries(node.inputs)) {
      const xs = Array.isArray(value) ? value : [value];
      const gs = gin[name];
      const gl = Array.isArray(gs) ? gs : [gs];
      xs.forEach((x, i) => {
        const gx = gl[i];
        if (!gx || !tape.tracked.has(x.id)) return;
        if (!shapesEqual(gx.shape, x.shape)) {
          throw new ShapeError(`gradient of ${node.kernel} input '${name}' has shape [${gx.shape}] but the input is [${x.shape}]`);
        }
        const prev = g.get(x.id);
        g.set(x.id, prev ? add(prev, gx) : gx);
      });
    }
  }
  return wrt.map((w) => g.get(w.id) ?? zerosLike(w));
}
