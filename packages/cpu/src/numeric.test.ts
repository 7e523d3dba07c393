import { describe, expect, it } from 'vitest';
import { add, logSoftmax, matmul, rope, Rng, runKernel, setBackend, softmax, sum, tensor, transpose } from '@crossedit/core';
import { broadcastIndex, createCpuBackend, matmulImpl } from './index.js';
import { expectClose, vals } from './testing/helpers.js';

setBackend(createCpuBackend());
const rng = new Rng(20240611);

function randn(n: number, scale = 1): Float64Array {
  return Float64Array.from({ length: n }, () => scale * rng.gaussian());
}

/** C = op(A) op(B) by the textbook triple loop, with explicit element addressing. */
function naiveMatmul(a: Float64Array, b: Float64Array, M: number, K: number, N: number, tA: boolean, tB: boolean): Float64Array {
  const c = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += (tA ? a[k * M + i] : a[i * K + k]) * (tB ? b[j * K + k] : b[k * N + j]);
      c[i * N + j] = s;
    }
  return c;
}

describe('numerical checks on random inputs', () => {
  it('softmax rows sum to 1 and log-softmax is log(softmax)', async () => {
    const x = tensor(randn(7 * 13, 30), [7, 13]);
    const s = softmax(x);
    expectClose(await vals(sum(s, -1)), new Array(7).fill(1), 1e-14, 1e-14);
    const ls = await vals(logSoftmax(x));
    expectClose(ls, (await vals(s)).map(Math.log), 1e-10, 1e-12);
  });

  it('matmul agrees with a naive triple loop on odd sizes, every transpose combination', () => {
    for (const [M, K, N] of [[1, 1, 1], [3, 5, 7], [17, 9, 13], [33, 31, 1], [1, 63, 29]]) {
      for (const tA of [false, true]) {
        for (const tB of [false, true]) {
          const a = randn(M * K);
          const b = randn(K * N);
          const got = matmulImpl(a, tA ? [K, M] : [M, K], b, tB ? [N, K] : [K, N], tA, tB);
          expect(got.shape).toEqual([M, N]);
          expectClose(got.data, naiveMatmul(a, b, M, K, N, tA, tB), 1e-12, 1e-12);
        }
      }
    }
  });

  it('batched matmul with broadcast batch dims equals per-batch products', async () => {
    const [M, K, N] = [5, 3, 7];
    const a = randn(2 * 1 * M * K);
    const b = randn(3 * K * N);
    const y = matmul(tensor(a, [2, 1, M, K]), tensor(b, [3, K, N]));
    expect(y.shape).toEqual([2, 3, M, N]);
    const d = await y.data();
    for (let p = 0; p < 2; p++)
      for (let q = 0; q < 3; q++) {
        const ref = naiveMatmul(a.subarray(p * M * K, (p + 1) * M * K), b.subarray(q * K * N, (q + 1) * K * N), M, K, N, false, false);
        expectClose(d.subarray((p * 3 + q) * M * N, (p * 3 + q + 1) * M * N), ref);
      }
  });

  it('rope equals multiplication by e^{i theta} on (x_i, x_{i+half}) and preserves relative positions', async () => {
    const [B, S, H, Dh] = [2, 3, 2, 6];
    const base = 10000;
    const x = randn(B * S * H * Dh);
    const pos = Int32Array.from({ length: B * S }, () => rng.int(1000));
    const y = await vals(rope(tensor(x, [B, S, H, Dh]), tensor(pos, [B, S]), base));
    const half = Dh / 2;
    const ref = new Float64Array(x.length);
    for (let bs = 0; bs < B * S; bs++)
      for (let h = 0; h < H; h++)
        for (let i = 0; i < half; i++) {
          const o = (bs * H + h) * Dh;
          const theta = pos[bs] / base ** ((2 * i) / Dh);
          // (re + i im) * (cos + i sin)
          const [re, im] = [x[o + i], x[o + i + half]];
          const [c, s] = [Math.cos(theta), Math.sin(theta)];
          ref[o + i] = re * c - im * s;
          ref[o + i + half] = re * s + im * c;
        }
    expectClose(y, ref, 1e-12, 1e-12);
    // <rope(q, m), rope(k, n)> depends only on m - n
    const q = randn(Dh);
    const k = randn(Dh);
    const dot = async (m: number, n: number) => {
      const rq = await vals(rope(tensor(q, [1, 1, 1, Dh]), tensor([m], [1, 1], { dtype: 'i32' }), base));
      const rk = await vals(rope(tensor(k, [1, 1, 1, Dh]), tensor([n], [1, 1], { dtype: 'i32' }), base));
      return rq.reduce((acc, v, i) => acc + v * rk[i], 0);
    };
    expect(await dot(7, 3)).toBeCloseTo(await dot(104, 100), 10);
  });

  it('reductions over every axis agree with a direct index computation', async () => {
    const shape = [3, 4, 5];
    const x = randn(60);
    for (let ax = 0; ax < 3; ax++) {
      for (const op of ['sum', 'max', 'min'] as const) {
        const y = await vals(runKernel('Reduce', { x: tensor(x, shape) }, { op, axis: ax, keepDims: false })[0]);
        const outShape = shape.filter((_, i) => i !== ax);
        const ref: number[] = [];
        for (let p = 0; p < outShape[0]; p++)
          for (let q = 0; q < outShape[1]; q++) {
            const v: number[] = [];
            for (let r = 0; r < shape[ax]; r++) {
              const idx = [p, q];
              idx.splice(ax, 0, r);
              v.push(x[idx[0] * 20 + idx[1] * 5 + idx[2]]);
            }
            ref.push(op === 'sum' ? v.reduce((s, t) => s + t, 0) : op === 'max' ? Math.max(...v) : Math.min(...v));
          }
        expectClose(y, ref, 1e-13, 1e-14);
      }
    }
  });

  it('transpose with a random permutation agrees with direct indexing; broadcasting agrees with broadcastIndex', async () => {
    const shape = [2, 3, 4, 5];
    const x = randn(120);
    const perm = [3, 1, 0, 2];
    const y = await vals(transpose(tensor(x, shape), perm));
    const yShape = perm.map((p) => shape[p]);
    let n = 0;
    for (let a = 0; a < yShape[0]; a++)
      for (let b = 0; b < yShape[1]; b++)
        for (let c = 0; c < yShape[2]; c++)
          for (let d = 0; d < yShape[3]; d++) {
            const idx = new Array<number>(4);
            [a, b, c, d].forEach((v, i) => (idx[perm[i]] = v));
            expect(y[n++]).toBe(x[((idx[0] * 3 + idx[1]) * 4 + idx[2]) * 5 + idx[3]]);
          }
    const bi = broadcastIndex([3, 1], [2, 3, 4]);
    expect(Array.from(bi!)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
    expect(broadcastIndex([2, 3], [2, 3])).toBeNull();
    const u = randn(4);
    const v = randn(3);
    expectClose(await vals(add(tensor(u, [4, 1]), tensor(v, [3]))), Array.from({ length: 12 }, (_, i) => u[Math.floor(i / 3)] + v[i % 3]));
  });
});
