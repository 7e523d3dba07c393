/**
 * The fused attention kernel against the ops it replaces in the transformer
 * (`matmul(softmax(add(mul(matmul(q, k, transB), scale), bias)), v)` on grouped heads): the float64
 * forward equal bit for bit (causal rows skip the keys the -1e9 bias zeroes), gradients equal to float64
 * rounding, the f32 backend within f32 rounding; and the shape errors. (Conformance against the reference
 * and finite differences are in the shared suites.)
 */
import { describe, expect, it } from 'vitest';
import { add, attention, matmul, mul, reshape, Rng, softmax, sum, tensor, valueAndGrads, type Backend, type Tensor } from '@crossedit/core';
import { createCpuBackend, createCpuF32Backend } from './index.js';

const [B, H, HKV, S, PAST, DH] = [2, 4, 2, 6, 3, 8];
const T = S + PAST;

function inputs(backend: Backend, seed: number) {
  const rng = new Rng(seed);
  const t = (shape: number[], f = () => rng.gaussian()) => tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, f), shape, { backend });
  // the causal bias of S queries after PAST cached keys, as the model builds it
  const bias = new Float64Array(S * T);
  for (let i = 0; i < S; i++) for (let j = i + PAST + 1; j < T; j++) bias[i * T + j] = -1e9;
  return { q: t([B, H, S, DH]), k: t([B, HKV, T, DH]), v: t([B, HKV, T, DH]), bias: tensor(bias, [1, 1, S, T], { backend }), w: t([B, H, S, DH]) };
}

/** The unfused chain of the transformer before the fused kernel. */
function unfused(q: Tensor, k: Tensor, v: Tensor, bias: Tensor, scale: number): Tensor {
  const g = H / HKV;
  const scores = reshape(mul(matmul(reshape(q, [B, HKV, g * S, DH]), k, { transB: true }), scale), [B, H, S, T]);
  const p = softmax(add(scores, bias));
  return reshape(matmul(reshape(p, [B, HKV, g * S, T]), v), [B, H, S, DH]);
}

describe('Attention (fused) against the unfused chain', () => {
  for (const make of [createCpuBackend, createCpuF32Backend]) {
    for (const causal of [true, false]) {
      it(`${make().name}, causal ${causal}: forward ${make().name === 'cpu' ? 'bit for bit' : 'to f32 rounding'}, gradients of q, k, v to rounding`, async () => {
        const backend = make();
        const { q, k, v, bias, w } = inputs(backend, causal ? 5 : 6);
        const scale = 1 / Math.sqrt(DH);
        const fused = await attention(q, k, v, bias, { scale, causal }).data();
        const chain = await unfused(q, k, v, bias, scale).data();
        const exact = backend.name === 'cpu';
        if (exact) expect(Array.from(fused)).toEqual(Array.from(chain));
        else for (let i = 0; i < fused.length; i++) expect(Math.abs(fused[i] - chain[i])).toBeLessThan(1e-6 * (1 + Math.abs(chain[i])));
        const g1 = valueAndGrads(() => sum(mul(attention(q, k, v, bias, { scale, causal }), w)), [q, k, v]).grads;
        const g2 = valueAndGrads(() => sum(mul(unfused(q, k, v, bias, scale), w)), [q, k, v]).grads;
        for (let n = 0; n < 3; n++) {
          const [a, b] = [await g1[n].data(), await g2[n].data()];
          let worst = 0;
          for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
          expect(worst).toBeLessThan(exact ? 1e-13 : 2e-5);
          expect(Math.max(...Array.from(a, Math.abs))).toBeGreaterThan(0.05);
        }
        backend.dispose();
      });
    }
  }

  it('causal: the later keys get probability 0 whatever the bias holds there', async () => {
    const backend = createCpuBackend();
    const { q, k, v } = inputs(backend, 7);
    const zero = tensor(new Float64Array(S * T), [1, 1, S, T], { backend });
    const { bias } = inputs(backend, 7);
    const a = await attention(q, k, v, zero, { scale: 0.3, causal: true }).data();
    const b = await attention(q, k, v, bias, { scale: 0.3, causal: false }).data();
    expect(Array.from(a)).toEqual(Array.from(b));
    backend.dispose();
  });

  it('refuses operands of the wrong shapes, naming the kernel', () => {
    const backend = createCpuBackend();
    const z = (shape: number[]) => tensor(new Float64Array(shape.reduce((a, b) => a * b, 1)), shape, { backend });
    expect(() => attention(z([1, 3, 2, 4]), z([1, 2, 2, 4]), z([1, 2, 2, 4]), z([1, 1, 2, 2]), { scale: 1 })).toThrow(/Attention: k must be \[B, Hkv, T, Dh\].*H a multiple of Hkv/);
    expect(() => attention(z([1, 2, 2, 4]), z([1, 2, 3, 4]), z([1, 2, 2, 4]), z([1, 1, 2, 3]), { scale: 1 })).toThrow(/Attention: v must have the shape of k/);
    expect(() => attention(z([1, 2, 2, 4]), z([1, 2, 3, 4]), z([1, 2, 3, 4]), z([1, 2, 2, 3]), { scale: 1 })).toThrow(/Attention: bias must be \[B or 1, 1, S, T\]/);
    expect(() => attention(z([1, 2, 2, 4]), z([1, 2, 3, 4]), z([1, 2, 3, 4]), z([1, 1, 2, 3]), { scale: NaN })).toThrow(/Attention: scale must be finite/);
    backend.dispose();
  });
});
