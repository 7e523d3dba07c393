/** Multi-head / grouped-query self-attention with RoPE, on core ops. */
import { attention, concat, matmul, reshape, rope, transpose, type ModelConfig, type Tensor } from '@crossedit/core';
import type { LayerKV } from './cache.js';
import { headDim } from './config.js';

/** The weights of one attention block, PyTorch `[out, in]`. */
export interface AttentionWeights {
  q: Tensor;
  k: Tensor;
  v: Tensor;
  o: Tensor;
}

/** `x @ W^T` for `x: [..., in]`, `W: [out, in]`. */
export function linear(x: Tensor, w: Tensor): Tensor {
  return matmul(x, w, { transB: true });
}

/**
 * `[B, H, T0, Dh]` then `[B, H, T1, Dh]` along the key axis, as the last axis of `[B·H, T·Dh]` views: the
 * same values as a concat on axis 2, in the form a backend with a binding limit can split by rows.
 */
function appendKeys(past: Tensor, fresh: Tensor): Tensor {
  const [b, h, t0, dh] = past.shape;
  const t1 = fresh.shape[2];
  return reshape(concat([reshape(past, [b * h, t0 * dh]), reshape(fresh, [b * h, t1 * dh])], 1), [b, h, t0 + t1, dh]);
}

/**
 * Self-attention on the normed hidden state `x: [B, S, D]`. Queries and keys are rotated (RoPE at
 * `positions`), keys/values are appended to `past` (`[B, Hkv, T0, Dh]`), scores get `bias`
 * (`[B, 1, S, T]`) and query head `h` reads key/value head `floor(h / (H / Hkv))` (HF `repeat_kv`)
 * without copying the key/value heads, in one fused kernel (`attention`: the scores are never stored).
 * With `causal` query `i` sees keys up to `i + past` only, whatever `bias` says of the later ones (set it
 * when `bias` is the plain causal bias: the masked keys are then skipped, not computed and zeroed).
 * Returns the output after `o_proj` and the full keys/values.
 */
export function selfAttention(
  x: Tensor,
  w: AttentionWeights,
  positions: Tensor,
  bias: Tensor,
  past: LayerKV | null,
  config: ModelConfig,
  causal = false,
): { out: Tensor; kv: LayerKV } {
  const [b, s] = x.shape;
  const h = config.numHeads;
  const hkv = config.numKvHeads;
  const dh = headDim(config);
  const q = transpose(rope(reshape(linear(x, w.q), [b, s, h, dh]), positions, config.ropeBase), [0, 2, 1, 3]); // [B,H,S,Dh]
  const kNew = transpose(rope(reshape(linear(x, w.k), [b, s, hkv, dh]), positions, config.ropeBase), [0, 2, 1, 3]); // [B,Hkv,S,Dh]
  const vNew = transpose(reshape(linear(x, w.v), [b, s, hkv, dh]), [0, 2, 1, 3]);
  const k = past ? appendKeys(past.k, kNew) : kNew;
  const v = past ? appendKeys(past.v, vNew) : vNew;
  const ctx = attention(q, k, v, bias, { scale: 1 / Math.sqrt(dh), causal }); // [B, H, S, Dh]
  const merged = reshape(transpose(ctx, [0, 2, 1, 3]), [b, s, h * dh]);
  return { out: linear(merged, w.o), kv: { k, v } };
}
