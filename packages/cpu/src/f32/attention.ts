/**
 * f32 fused attention and its VJP on the WebAssembly SIMD GEMM: the products (`q·kᵀ`, `p·v` and the
 * VJP's five) are batched GEMMs over the key/value heads (the query heads of one key/value head are
 * contiguous rows, `[B, Hkv, G·S, Dh]`); scale, bias, the causal mask and the softmax (or its VJP) are
 * one pass over the score rows in between, float64 arithmetic rounded once per stored value, with no
 * intermediate tensors. Agrees with the float64 reference (`kernels/Attention.ts`) to f32 rounding.
 */
import { visibleKeys, type AttentionDims } from '../kernels/Attention.js';
import type { WasmGemm } from './matmul.js';

let expRow: Float64Array<ArrayBuffer> = new Float64Array(64);

/**
 * In place: each score row `r = ((b·Hkv + kv)·G + g)·S + i` of `s: [B, Hkv, G·S, T]` becomes
 * `softmax(s · scale + bias[b, 0, i])` over its visible keys, 0 beyond them.
 */
function softmaxScores(s: Float32Array, bias: Float32Array, dims: AttentionDims): void {
  const { B, H, S, T, biasBatch, scale, causal } = dims;
  const rows = B * H * S;
  if (expRow.length < T) expRow = new Float64Array(T);
  const e64 = expRow;
  for (let r = 0; r < rows; r++) {
    const i = r % S;
    const b = Math.floor(r / (H * S));
    const sb = r * T;
    const bb = ((biasBatch === 1 ? 0 : b) * S + i) * T;
    const lim = visibleKeys(i, S, T, causal);
    let m = -Infinity;
    for (let j = 0; j < lim; j++) {
      const x = s[sb + j] * scale + bias[bb + j];
      if (x > m) m = x;
    }
    let sum = 0;
    for (let j = 0; j < lim; j++) {
      const e = Math.exp(s[sb + j] * scale + bias[bb + j] - m);
      e64[j] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let j = 0; j < lim; j++) s[sb + j] = e64[j] * inv;
    s.fill(0, sb + lim, sb + T);
  }
}

/** The shapes of the grouped products: q/dy as `[B, Hkv, G·S, Dh]`, the scores `[B, Hkv, G·S, T]`, k/v. */
function shapes(d: AttentionDims): { qs: number[]; ss: number[]; ks: number[] } {
  const gs = (d.H / d.Hkv) * d.S;
  return { qs: [d.B, d.Hkv, gs, d.Dh], ss: [d.B, d.Hkv, gs, d.T], ks: [d.B, d.Hkv, d.T, d.Dh] };
}

/** The probabilities `[B, Hkv, G·S, T]`. */
function probabilities(gemm: WasmGemm, q: Float32Array, k: Float32Array, bias: Float32Array, dims: AttentionDims): Float32Array {
  const { qs, ks } = shapes(dims);
  const p = gemm.matmul(q, qs, k, ks, false, true);
  softmaxScores(p, bias, dims);
  return p;
}

/** Forward: `[B, H, S, Dh]` (see the file comment). */
export function attentionF32(gemm: WasmGemm, q: Float32Array, k: Float32Array, v: Float32Array, bias: Float32Array, dims: AttentionDims): Float32Array {
  const { ss, ks } = shapes(dims);
  return gemm.matmul(probabilities(gemm, q, k, bias, dims), ss, v, ks, false, false);
}

/** VJP: `[dq, dk, dv]` (see the file comment). */
export function attentionGradF32(gemm: WasmGemm, dy: Float32Array, q: Float32Array, k: Float32Array, v: Float32Array, bias: Float32Array, dims: AttentionDims): Float32Array[] {
  const { qs, ss, ks } = shapes(dims);
  const { T, scale } = dims;
  const p = probabilities(gemm, q, k, bias, dims);
  const ds = gemm.matmul(dy, qs, v, ks, false, true); // dp = dy·vᵀ, then ds in place
  for (let sb = 0; sb < ds.length; sb += T) {
    let c = 0;
    for (let j = 0; j < T; j++) c += ds[sb + j] * p[sb + j];
    for (let j = 0; j < T; j++) ds[sb + j] = p[sb + j] * (ds[sb + j] - c) * scale;
  }
  const dq = gemm.matmul(ds, ss, k, ks, false, false);
  const dk = gemm.matmul(ds, ss, q, qs, true, false);
  const dv = gemm.matmul(p, ss, dy, qs, true, false);
  return [dq, dk, dv];
}
