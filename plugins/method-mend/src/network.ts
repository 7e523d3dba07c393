/**
 * MEND's gradient transform for one weight shape: a stack of low-rank residual layers (IDMLP of
 * LRLinear) over `z = [x̂ ; δ̂]`, `z ← z + relu((U (V z) + b) ⊙ scale[mode] + shift[mode])`, with
 * U = 0, V ~ N(0, 1), b = 0, scale = 1, shift = 0 at initialisation, so it starts as the identity.
 */
import { add, matmul, mul, relu, sliceAxis, tensor, untrack, type Backend, type Rng, type Tensor } from '@crossedit/core';

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
      const act = relu(add(mul(pre, sliceAxis(l.scale, 0, mode, mode + 1)), sliceAxis(l.shift, 0, mode, mode + 1)));
      h = add(h, act);
    }
    return h;
  }

  dispose(): void {
    for (const t of this.params()) t.dispose();
  }
}
