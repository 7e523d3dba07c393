import { sigmoidScalar } from './Unary.js';
import type { HostKernel } from './kernel.js';

/** `out[i] = (g[i] * sigmoid(g[i])) * u[i]`, rounded as `out` stores (float64 here, f32 in the f32 backend). */
export function swigluImpl(g: ArrayLike<number>, u: ArrayLike<number>, out: Float64Array | Float32Array): void {
  for (let i = 0; i < out.length; i++) {
    const x = g[i];
    out[i] = x * sigmoidScalar(x) * u[i];
  }
}

/**
 * SwiGLU's VJP: `dg = (dy * u) * (s * (1 + g * (1 - s)))` with `s = sigmoid(g)`, `du = dy * silu(g)`
 * (the operations, in order, of the unfused `mul(silu(gate), up)` rules, so float64 results are equal).
 */
export function swigluGradImpl(dy: ArrayLike<number>, g: ArrayLike<number>, u: ArrayLike<number>, dg: Float64Array | Float32Array, du: Float64Array | Float32Array): void {
  for (let i = 0; i < dg.length; i++) {
    const x = g[i];
    const s = sigmoidScalar(x);
    dg[i] = dy[i] * u[i] * (s * (1 + x * (1 - s)));
    du[i] = dy[i] * (x * s);
  }
}

/** Fused `silu(gate) * up` in float64. */
export const SwiGLU: HostKernel<'SwiGLU'> = ({ gate, up }) => {
  const out = new Float64Array(gate.data.length);
  swigluImpl(gate.data, up.data, out);
  return [out];
};

/** SwiGLU's VJP in float64: `[dgate, dup]`. */
export const SwiGLUGrad: HostKernel<'SwiGLUGrad'> = ({ dy, gate, up }) => {
  const dg = new Float64Array(gate.data.length);
  const du = new Float64Array(gate.data.length);
  swigluGradImpl(dy.data, gate.data, up.data, dg, du);
  return [dg, du];
};
