/**
 * The shared cases of row-sharded execution: ops over tensors past a backend's binding limit, on small
 * shapes under an artificial limit ({@link SHARD_LIMIT} bytes). Each backend's suite runs them on a
 * backend created with that limit against the float64 reference without one, forward and (for the
 * differentiable ones) gradients with the same cotangent; the reference's own gradients are checked by
 * finite differences in this package. Every case names the inputs that must really be sharded.
 */
import {
  add, argmax, attention, cast, concat, crossEntropy, gather, logSoftmax, matmul, max, mean, mul, outer, reshape, rmsNorm, rope, scatterAdd, slice,
  softmax, sum, swiglu, tensor, tidy, topk, transpose, valueAndGrads, zeros, type Backend, type Tensor,
} from '@crossedit/core';
import { gens } from './data.js';
import type { GradInput } from './grad-cases.js';

/** The artificial binding limit of the sharding suites (bytes): 128 f32 elements. */
export const SHARD_LIMIT = 512;

/** One sharded-execution case. */
export interface ShardCase {
  name: string;
  /** Inputs; `sharded: true` ones must be stored in more than one shard under {@link SHARD_LIMIT}. */
  inputs: (Omit<GradInput, 'dtype'> & { dtype?: 'f32' | 'f16' | 'i32'; sharded?: boolean })[];
  f: (xs: Tensor[]) => Tensor;
  /** Differentiable: compare gradients too. */
  grad: boolean;
  /** The output itself passes the limit (and must come back sharded). */
  shardedOutput?: boolean;
  /** Outputs must match the reference exactly (indices, gathered stored values). */
  exact?: boolean;
  /** Relative tolerance override of a non-float64 backend (values rounded to f16 on the way). */
  rtol?: number;
}

const i32 = (lo: number, hi: number) => gens.ints(lo, hi);

/** Every sharded case (gather, matmul against sharded operands, reductions over sharded logits, weight updates). */
export const SHARD_CASES: readonly ShardCase[] = [
  {
    name: 'Attention over sharded q, k, v (per block of batch entries; causal, grouped heads, a per-row bias)',
    inputs: [{ shape: [5, 4, 3, 4], sharded: true }, { shape: [5, 2, 4, 4], sharded: true }, { shape: [5, 2, 4, 4], sharded: true }, { shape: [5, 1, 3, 4], gen: gens.scaled(0.5), constant: true }],
    f: ([q, k, v, b]) => attention(q, k, v, b, { scale: 0.5, causal: true }),
    grad: true,
    shardedOutput: true,
  },
  {
    name: 'Attention with one batch entry past the limit (per block of key/value heads)',
    inputs: [{ shape: [2, 4, 9, 4], sharded: true }, { shape: [2, 2, 10, 4], sharded: true }, { shape: [2, 2, 10, 4], sharded: true }, { shape: [1, 1, 9, 10], gen: gens.scaled(0.5), constant: true }],
    f: ([q, k, v, b]) => attention(q, k, v, b, { scale: 0.5, causal: true }),
    grad: true,
    shardedOutput: true,
  },
  {
    name: 'Gather over a sharded embedding table (3 shards)',
    inputs: [{ shape: [40, 8], sharded: true }, { shape: [3, 5], gen: i32(0, 40), dtype: 'i32', constant: true }],
    f: ([t, ids]) => gather(t, ids),
    grad: true,
  },
  {
    name: 'Gather of more rows than the limit holds (sharded output; its gradient scatters sharded updates)',
    inputs: [{ shape: [40, 8], sharded: true }, { shape: [4, 6], gen: i32(0, 40), dtype: 'i32', constant: true }],
    f: ([t, ids]) => gather(t, ids),
    grad: true,
    shardedOutput: true,
  },
  {
    name: 'LM head x·Wᵀ over vocabulary shards, sharded logits, log-softmax and cross-entropy',
    inputs: [{ shape: [2, 3, 8] }, { shape: [70, 8], sharded: true }, { shape: [2, 3], gen: i32(0, 70), dtype: 'i32', constant: true }],
    f: ([x, w, t]) => add(crossEntropy(matmul(x, w, { transB: true }), t), mul(sum(logSoftmax(matmul(x, w, { transB: true })), -1), 0.01)),
    grad: true,
  },
  {
    name: 'LM head logits past the limit stay sharded',
    inputs: [{ shape: [2, 3, 8] }, { shape: [70, 8], sharded: true }],
    f: ([x, w]) => matmul(x, w, { transB: true }),
    grad: true,
    shardedOutput: true,
  },
  {
    name: 'MatMul a·W with W sharded along the contraction (the LM head input gradient)',
    inputs: [{ shape: [5, 40] }, { shape: [40, 6], sharded: true }],
    f: ([a, w]) => matmul(a, w),
    grad: true,
  },
  {
    name: 'MatMul aᵀ·b into a sharded output (a weight gradient)',
    inputs: [{ shape: [6, 40] }, { shape: [6, 12] }],
    f: ([a, b]) => matmul(a, b, { transA: true }),
    grad: true,
    shardedOutput: true,
  },
  {
    name: 'MLP x·Wᵀ then SwiGLU and the down projection, every matrix sharded',
    inputs: [{ shape: [2, 5, 16] }, { shape: [36, 16], sharded: true }, { shape: [36, 16], sharded: true }, { shape: [16, 36], sharded: true }],
    f: ([x, wg, wu, wd]) => matmul(swiglu(matmul(x, wg, { transB: true }), matmul(x, wu, { transB: true })), wd, { transB: true }),
    grad: true,
  },
  {
    name: 'Softmax, RMSNorm and max over sharded rows',
    inputs: [{ shape: [12, 30], sharded: true }, { shape: [30] }],
    f: ([x, w]) => add(mul(softmax(x), rmsNorm(x, w, 1e-5)), max(x, -1, true)),
    grad: true,
    shardedOutput: true,
  },
  {
    name: 'attention scores [B,H,S,S] sharded, a sharded mask [B,1,S,S] broadcast along heads',
    inputs: [{ shape: [2, 3, 9, 9], sharded: true }, { shape: [2, 1, 9, 9], sharded: true }],
    f: ([s, m]) => softmax(add(s, m)),
    grad: true,
    shardedOutput: true,
  },
  {
    name: 'a slice of one position out of sharded activations [B,S,D] (a hook reading the subject token)',
    inputs: [{ shape: [3, 7, 8], sharded: true }],
    f: ([x]) => add(slice(x, [1, 4, 0], [2, 1, 8]), sum(slice(x, [0, 2, 3], [3, 3, 5]))),
    grad: true,
  },
  {
    name: 'reshapes of a sharded tensor into heads and across shard boundaries',
    inputs: [{ shape: [6, 32], sharded: true }],
    f: ([x]) => add(sum(reshape(softmax(reshape(x, [6, 4, 8])), [4, 48]), 1), sum(mul(reshape(x, [4, 48]), reshape(x, [4, 48])), 1)),
    grad: true,
  },
  {
    name: 'RoPE over sharded activations [B,S,H,Dh], heads transposed to [B,H,S,Dh]',
    inputs: [{ shape: [1, 7, 3, 8], sharded: true }, { shape: [1, 7], gen: i32(0, 300), dtype: 'i32', constant: true }],
    f: ([x, p]) => transpose(rope(x, p, 10000), [0, 2, 1, 3]),
    grad: true,
    shardedOutput: true,
  },
  {
    name: 'argmax and top-k over sharded logits',
    inputs: [{ shape: [12, 30], sharded: true }],
    f: ([x]) => add(reshape(argmax(x, -1), [12, 1]), topk(x, 3).indices),
    grad: false,
    exact: true,
  },
  {
    name: 'ROME-style rank-one update W + u vᵀ of a sharded weight, and the row sums of it',
    inputs: [{ shape: [30, 10], sharded: true }, { shape: [30] }, { shape: [10] }],
    f: ([w, u, v]) => add(sum(add(w, outer(u, v)), 0), mean(mul(w, w))),
    grad: true,
  },
  {
    name: 'Slice, transpose and row concat of sharded matrices',
    inputs: [{ shape: [30, 10], sharded: true }, { shape: [14, 10], sharded: true }],
    f: ([a, b]) => add(sum(mul(slice(a, [3, 2], [20, 5]), 2)), sum(concat([transpose(transpose(a)), b], 0), 1)),
    grad: true,
  },
  {
    name: 'a batched transpose moving the last axis of a sharded tensor (per-slab)',
    inputs: [{ shape: [30, 10], sharded: true }],
    f: ([a]) => mul(transpose(reshape(a, [3, 10, 10]), [0, 2, 1]), reshape(a, [3, 10, 10])),
    grad: true,
    shardedOutput: true,
  },
  {
    name: 'ScatterAdd into a sharded table, plus zeros of its shape',
    inputs: [{ shape: [7, 8] }, { shape: [7], gen: i32(0, 40), dtype: 'i32', constant: true }],
    f: ([u, ids]) => add(scatterAdd(u, ids, 40), zeros([40, 8], { backend: u.backend })),
    grad: true,
    shardedOutput: true,
  },
  {
    name: 'Gather from a sharded f16 embedding table (stored values come back exactly)',
    inputs: [{ shape: [40, 8], dtype: 'f16', sharded: true, constant: true }, { shape: [3, 5], gen: i32(0, 40), dtype: 'i32', constant: true }],
    f: ([t, ids]) => gather(t, ids),
    grad: false,
    exact: true,
  },
  {
    name: 'LM head over f16 vocabulary shards (f32 accumulation), gradient to the hidden state',
    inputs: [{ shape: [2, 3, 8] }, { shape: [70, 8], dtype: 'f16', sharded: true, constant: true }, { shape: [2, 3], gen: i32(0, 70), dtype: 'i32', constant: true }],
    f: ([x, w, t]) => add(crossEntropy(matmul(x, w, { transB: true }), t), mul(sum(matmul(x, w, { transB: true }), -1), 0.01)),
    grad: true,
  },
  {
    name: 'f16 weight widened to f32, edited by W + u vᵀ, rounded back to f16',
    inputs: [{ shape: [30, 10], dtype: 'f16', sharded: true, constant: true }, { shape: [30] }, { shape: [10] }],
    f: ([w, u, v]) => cast(cast(add(cast(w, 'f32'), outer(u, v)), 'f16'), 'f32'),
    grad: false,
    shardedOutput: true,
    rtol: 1e-3,
  },
];

/** The result of one case on one backend: value, gradients (host copies) and the shard counts seen. */
export interface ShardRun {
  value: Float64Array;
  grads: Float64Array[];
  shape: readonly number[];
  inputShards: number[];
  outputShards: number;
}

/** Runs a case on `be` (value and, for differentiable cases, gradients with the cotangent `dyHost`). */
export async function runShardCase(be: Backend, c: ShardCase, hosts: (Float32Array | Int32Array)[], dyHost: Float32Array | null): Promise<ShardRun> {
  const xs = c.inputs.map((inp, k) => tensor(hosts[k], inp.shape, { backend: be, dtype: inp.dtype ?? 'f32' }));
  try {
    const inputShards = xs.map((x) => x.shards);
    if (!c.grad) {
      const y = tidy(() => c.f(xs));
      const out = { value: Float64Array.from(await y.data()), grads: [], shape: y.shape, inputShards, outputShards: y.shards };
      y.dispose();
      return out;
    }
    const wrt = xs.filter((_, k) => !c.inputs[k].constant);
    const probe = tidy(() => c.f(xs));
    const shape = probe.shape;
    const outputShards = probe.shards;
    probe.dispose();
    const dy = dyHost ? tensor(dyHost, shape, { backend: be }) : undefined;
    const { value, grads } = valueAndGrads(() => c.f(xs), wrt, { dy });
    const out = { value: Float64Array.from(await value.data()), grads: await Promise.all(grads.map(async (g) => Float64Array.from(await g.data()))), shape, inputShards, outputShards };
    value.dispose();
    grads.forEach((g) => g.dispose());
    dy?.dispose();
    return out;
  } finally {
    xs.forEach((x) => x.dispose());
  }
}
