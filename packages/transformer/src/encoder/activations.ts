/**
 * Activations and normalisation composed from core ops (no dedicated kernels): the error function,
 * exact and tanh-approximated GELU, and LayerNorm.
 */
import { abs, add, exp, mean, mul, neg, reciprocal, rsqrt, sign, square, sub, tanh, type Tensor } from '@crossedit/core';

// Abramowitz & Stegun 7.1.26: erf(x) = 1 - (a1 t + ... + a5 t^5) exp(-x^2), t = 1 / (1 + p x), x >= 0.
const P = 0.3275911;
const A = [0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429] as const;

/**
 * The error function, elementwise, by the rational approximation of Abramowitz & Stegun 7.1.26
 * (absolute error below 1.5e-7 everywhere), extended to negative inputs by oddness.
 */
export function erf(x: Tensor): Tensor {
  const ax = abs(x);
  const t = reciprocal(add(mul(ax, P), 1));
  let poly = mul(t, A[4]);
  for (let i = 3; i >= 0; i--) poly = mul(add(poly, A[i]), t);
  const y = sub(1, mul(poly, exp(neg(square(ax)))));
  return mul(sign(x), y);
}

/** Exact GELU, `x Φ(x) = x (1 + erf(x / √2)) / 2` (HF `gelu`), with {@link erf}'s approximation (|error| < 1e-7 |x|). */
export function gelu(x: Tensor): Tensor {
  return mul(mul(x, 0.5), add(erf(mul(x, Math.SQRT1_2)), 1));
}

/** The tanh approximation of GELU (HF `gelu_new` / `gelu_pytorch_tanh`). */
export function geluTanh(x: Tensor): Tensor {
  const inner = mul(add(x, mul(mul(square(x), x), 0.044715)), Math.sqrt(2 / Math.PI));
  return mul(mul(x, 0.5), add(tanh(inner), 1));
}

/** LayerNorm over the last axis with biased variance (PyTorch `nn.LayerNorm`): `(x - μ) / √(σ² + ε) · w + b`. */
export function layerNorm(x: Tensor, weight: Tensor, bias: Tensor, eps: number): Tensor {
  const xc = sub(x, mean(x, -1, true));
  const inv = rsqrt(add(mean(square(xc), -1, true), eps));
  return add(mul(mul(xc, inv), weight), bias);
}
