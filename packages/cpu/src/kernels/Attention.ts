/**
 * Fused scaled-dot-product attention and its VJP on the host (float64 arithmetic; the f32 backend runs
 * the same loops and rounds once per stored output). Per query row the scores are taken as the unfused
 * chain takes them (`q·k` summed in `d` order, times `scale`, plus the bias), softmax as `softmaxImpl`
 * (`exp(s - max)`, summed in key order, times `1 / sum`), and `p·v` in the reference GEMM's groups of four
 * keys, so the float64 forward equals `matmul(softmax(add(mul(matmul(q, k, transB), scale), bias)), v)`
 * bit for bit; the VJP sums in index order (equal to the unfused rules to float64 rounding). Causal rows
 * skip the keys they cannot see (probability exactly 0 in the chain too).
 */
import type { HostKernel } from './kernel.js';
import { alloc } from '../storage.js';

/** The sizes of one attention call. */
export interface AttentionDims {
  B: number;
  H: number;
  S: number;
  Dh: number;
  Hkv: number;
  T: number;
  /** 1 when the bias is shared by the batch, else B. */
  biasBatch: number;
  scale: number;
  causal: boolean;
}

/** The sizes of `q: [B, H, S, Dh]`, `k: [B, Hkv, T, Dh]`, `bias: [B or 1, 1, S, T]`. */
export function attentionDims(q: readonly number[], k: readonly number[], bias: readonly number[], scale: number, causal: boolean): AttentionDims {
  return { B: q[0], H: q[1], S: q[2], Dh: q[3], Hkv: k[1], T: k[2], biasBatch: bias[0], scale, causal };
}

/** How many keys query row `i` (of `S`, over `T` keys) sees: all `T`, or with `causal` keys `j <= i + (T - S)`. */
export function visibleKeys(i: number, S: number, T: number, causal: boolean): number {
  return causal ? Math.max(0, Math.min(T, i + (T - S) + 1)) : T;
}

let rowScratch: Float64Array<ArrayBuffer> = new Float64Array(64);
let accScratch: Float64Array<ArrayBuffer> = new Float64Array(64);
let kvScratch: Float64Array<ArrayBuffer> = new Float64Array(256);

function scratch(a: Float64Array<ArrayBuffer>, n: number): Float64Array<ArrayBuffer> {
  return a.length >= n ? a : new Float64Array(Math.max(n, 2 * a.length));
}

/**
 * The probabilities of query row `qb` (offset into `q`) over keys `[0, lim)` of the key block `kb`,
 * into `p[0, lim)`; `bb` is the offset of the row's bias. Returns nothing (p is written).
 */
function probs(q: ArrayLike<number>, qb: number, k: ArrayLike<number>, kb: number, bias: ArrayLike<number>, bb: number, lim: number, Dh: number, scale: number, p: Float64Array): void {
  let m = -Infinity;
  for (let j = 0; j < lim; j++) {
    const kr = kb + j * Dh;
    let s = 0;
    for (let d = 0; d < Dh; d++) s += q[qb + d] * k[kr + d];
    const x = s * scale + bias[bb + j];
    p[j] = x;
    m = Math.max(m, x);
  }
  let sum = 0;
  for (let j = 0; j < lim; j++) {
    const e = Math.exp(p[j] - m);
    p[j] = e;
    sum += e;
  }
  const inv = 1 / sum;
  for (let j = 0; j < lim; j++) p[j] *= inv;
}

/** Forward: `y = softmax(q·kᵀ * scale + bias)·v` per head (see the file comment). */
export function attentionImpl(q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>, bias: ArrayLike<number>, dims: AttentionDims, y: Float64Array | Float32Array): void {
  const { B, H, S, Dh, Hkv, T, biasBatch, scale, causal } = dims;
  const G = H / Hkv;
  const T4 = T - (T % 4);
  const p = (rowScratch = scratch(rowScratch, T));
  const acc = (accScratch = scratch(accScratch, Dh));
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const kb = (b * Hkv + Math.floor(h / G)) * T * Dh;
      for (let i = 0; i < S; i++) {
        const qb = ((b * H + h) * S + i) * Dh;
        const bb = ((biasBatch === 1 ? 0 : b) * S + i) * T;
        const lim = visibleKeys(i, S, T, causal);
        if (lim <= 0) {
          // no visible key (no keys, or a causal query before every key): an empty sum
          for (let d = 0; d < Dh; d++) y[qb + d] = 0;
          continue;
        }
        probs(q, qb, k, kb, bias, bb, lim, Dh, scale, p);
        for (let j = lim; j < T && j < lim + 4; j++) p[j] = 0;
        acc.fill(0, 0, Dh);
        // the reference GEMM's order: four keys per add, then the tail one by one; invisible keys add 0
        let j = 0;
        for (; j < T4 && j < lim; j += 4) {
          const p0 = p[j];
          const p1 = p[j + 1];
          const p2 = p[j + 2];
          const p3 = p[j + 3];
          const v0 = kb + j * Dh;
          const v1 = v0 + Dh;
          const v2 = v1 + Dh;
          const v3 = v2 + Dh;
          for (let d = 0; d < Dh; d++) acc[d] += p0 * v[v0 + d] + p1 * v[v1 + d] + p2 * v[v2 + d] + p3 * v[v3 + d];
        }
        for (j = Math.max(j, T4); j < lim; j++) {
          const pj = p[j];
          const vr = kb + j * Dh;
          for (let d = 0; d < Dh; d++) acc[d] += pj * v[vr + d];
        }
        for (let d = 0; d < Dh; d++) y[qb + d] = acc[d];
      }
    }
  }
}

/**
 * VJP: `dq`, `dk`, `dv` from `dy` (the probabilities recomputed per row; `dk`/`dv` summed over the
 * query heads of each key/value head in float64 before one store).
 */
export function attentionGradImpl(
  dy: ArrayLike<number>,
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  bias: ArrayLike<number>,
  dims: AttentionDims,
  dq: Float64Array | Float32Array,
  dk: Float64Array | Float32Array,
  dv: Float64Array | Float32Array,
): void {
  const { B, H, S, Dh, Hkv, T, biasBatch, scale, causal } = dims;
  const G = H / Hkv;
  const p = (rowScratch = scratch(rowScratch, 2 * T));
  const acc = (accScratch = scratch(accScratch, Dh));
  const kv = (kvScratch = scratch(kvScratch, 2 * T * Dh));
  for (let b = 0; b < B; b++) {
    for (let g = 0; g < Hkv; g++) {
      const kb = (b * Hkv + g) * T * Dh;
      const dvOff = T * Dh;
      kv.fill(0, 0, 2 * T * Dh);
      for (let h = g * G; h < (g + 1) * G; h++) {
        for (let i = 0; i < S; i++) {
          const qb = ((b * H + h) * S + i) * Dh;
          const bb = ((biasBatch === 1 ? 0 : b) * S + i) * T;
          const lim = visibleKeys(i, S, T, causal);
          acc.fill(0, 0, Dh);
          if (lim > 0) {
            probs(q, qb, k, kb, bias, bb, lim, Dh, scale, p);
            // dp[j] = dy_i · v_j, c = sum_j dp[j] p[j]
            let c = 0;
            for (let j = 0; j < lim; j++) {
              const vr = kb + j * Dh;
              let s = 0;
              for (let d = 0; d < Dh; d++) s += dy[qb + d] * v[vr + d];
              p[T + j] = s;
              c += s * p[j];
            }
            for (let j = 0; j < lim; j++) {
              const pj = p[j];
              const ds = pj * (p[T + j] - c) * scale;
              const kr = kb + j * Dh;
              const ko = j * Dh;
              const vo = dvOff + j * Dh;
              for (let d = 0; d < Dh; d++) {
                acc[d] += ds * k[kr + d];
                kv[ko + d] += ds * q[qb + d];
                kv[vo + d] += pj * dy[qb + d];
              }
            }
          }
          for (let d = 0; d < Dh; d++) dq[qb + d] = acc[d];
        }
      }
      for (let x = 0; x < T * Dh; x++) {
        dk[kb + x] = kv[x];
        dv[kb + x] = kv[dvOff + x];
      }
    }
  }
}

/** Fused attention in float64 (see {@link attentionImpl}). */
export const Attention: HostKernel<'Attention'> = ({ q, k, v, bias }, { scale, causal }, [o]) => {
  const out = alloc(o) as Float64Array;
  if (out.length > 0) attentionImpl(q.data, k.data, v.data, bias.data, attentionDims(q.shape, k.shape, bias.shape, scale, causal), out);
  return [out];
};

/** Attention's VJP in float64: `[dq, dk, dv]` (see {@link attentionGradImpl}). */
export const AttentionGrad: HostKernel<'AttentionGrad'> = ({ dy, q, k, v, bias }, { scale, causal }, [oq, ok, ov]) => {
  const dq = alloc(oq) as Float64Array;
  const dk = alloc(ok) as Float64Array;
  const dv = alloc(ov) as Float64Array;
  if (dq.length > 0 || dk.length > 0) attentionGradImpl(dy.data, q.data, k.data, v.data, bias.data, attentionDims(q.shape, k.shape, bias.shape, scale, causal), dq, dk, dv);
  return [dq, dk, dv];
};
