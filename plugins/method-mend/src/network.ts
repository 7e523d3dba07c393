/**
 * MEND's gradient transform for one weight shape: a stack of low-rank residual layers (IDMLP of
 * LRLinear) over `z = [x̂ ; δ̂]`, `z ← z + relu((U (V z) + b) ⊙ scale[mode] + shift[mode])`, with
 * U = 0, V ~ N(0, 1), b = 0, scale = 1, shift = 0 at initialisation, so it starts as the identity. The
 * activation is `clamp(min=0)` ({@link clampMin0}), as the reference's, not a ReLU whose gradient is 0 at 0.
 */
import { add, matmul, mul, neg, sliceAxis, step, sub, tensor, untrack, type Backend, type Rng, type Tensor } from '@crossedit/core';

/**
 * `max(x, 0)` with the gradient of PyTorch's `clamp(min=0)`, which the reference uses on purpose: 1 where
 * `x >= 0`, so 1 at the kink. `relu`'s gradient is 0 at 0, and at the identity initialisation every
 * pre-activation is exactly 0 (U = 0, b = 0, shift = 0): with it no gradient ever reaches U, b, scale or
 * shift and the networks stay the identity for the whole training run (only η learns).
 */
export function clampMin0(x: Tensor): Tensor {
  // x · [x >= 0]; the mask comes from `step`, which has no gradient, so d/dx = [x >= 0]
  return mul(x, sub(1, step(neg(x))));
}

/** Parameter names of one layer, in the order {@link GradientNet.params} lists them. */
export const LAYER_PARAMS = ['U', 'V', 'b', 'scale', 'shift'] as const;

/** One shared network. */
export class GradientNet {
  /** `layers[j][name]`. */
  layers: Record<(typeof LAYER_PARAMS)[number], Tensor>[];

  constructor(
    readonly width: number,
    readonly rank: number,
    readonly modes: number,
    readonly depth: number,
    rng: Rng,
    backend: Backend,
  ) {
    this.layers = Array.from({ length: depth }, () => ({
      U: untrack(tensor(new Float64Array(width * rank), [width, rank], { backend })),
      V: untrack(rng.normal([rank, width], { backend })),
      b: untrack(tensor(new Float64Array(width), [width], { backend })),
      scale: untrack(tensor(new Float64Array(modes * width).fill(1), [modes, width], { backend })),
      shift: untrack(tensor(new Float64Array(modes * width), [modes, width], { backend })),
    }));
  }

  /** The parameters, layer by layer in {@link LAYER_PARAMS} order. */
  params(): Tensor[] {
    return this.layers.flatMap((l) => LAYER_PARAMS.map((k) => l[k]));
  }

  /** Replaces the parameters (same order as {@link GradientNet.params}); disposes the old ones. */
  setParams(ps: readonly Tensor[]): void {
    let i = 0;
    for (const l of this.layers) {
      for (const k of LAYER_PARAMS) {
        const next = ps[i++];
        if (next !== l[k]) l[k].dispose();
        l[k] = untrack(next);
      }
    }
  }

  /** `[N, width]` → `[N, width]` for the matrix of `mode`. */
  forward(z: Tensor, mode: number): Tensor {
    let h = z;
    for (const l of this.layers) {
      const pre = add(matmul(matmul(h, l.V, { transB: true }), l.U, { transB: true }), l.b);
      const act = clampMin0(add(mul(pre, sliceAxis(l.scale, 0, mode, mode + 1)), sliceAxis(l.shift, 0, mode, mode + 1)));
      h = add(h, act);
    }
    return h;
  }

  dispose(): void {
    for (const t of this.params()) t.dispose();
  }
}
