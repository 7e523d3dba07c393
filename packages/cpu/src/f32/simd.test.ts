/**
 * The WebAssembly SIMD loops of the f32 backend against the reference scalar code on the same f32 inputs,
 * rounded into Float32Arrays the same way: AdamStep is the same IEEE operations in the same order, so
 * equal bit for bit; SwiGLU's sigmoid uses the SIMD float64 exp (relative error < 1e-14), equal here on a
 * fixed seed; the softmax exponentials and their sum agree with Math.exp to float64 rounding.
 */
import { Rng } from '@crossedit/core';
import { describe, expect, it } from 'vitest';
import { adamStepImpl } from '../kernels/AdamStep.js';
import { swigluGradImpl, swigluImpl } from '../kernels/SwiGLU.js';
import { adamStepF32 } from './adam.js';
import { wasmExp } from './exp-wasm.js';

const rng = new Rng(20261203);
const randn = (n: number, scale = 1) => Float32Array.from({ length: n }, () => scale * rng.gaussian());

describe('cpu-f32 SIMD loops', () => {
  it.each([
    [0, false],
    [0.01, false],
    [0.05, true],
  ] as const)('AdamStep wd=%s decoupled=%s equals the reference bit for bit (odd length, SIMD and scalar sizes)', (wd, decoupled) => {
    for (const n of [1001, 63]) {
      const [p, g, m] = [randn(n), randn(n), randn(n, 0.1)];
      const v = Float32Array.from(randn(n), (x) => x * x * 0.01);
      const attrs = { beta1: 0.9, beta2: 0.999, eps: 1e-8, sqrtBc2: Math.sqrt(1 - 0.999 ** 5), stepSize: 3e-3 / (1 - 0.9 ** 5), lr: 3e-3, weightDecay: wd, decoupled };
      const got = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
      const ref = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
      adamStepF32(p, g, m, v, attrs, got[0], got[1], got[2]);
      adamStepImpl(p, g, m, v, attrs, ref[0], ref[1], ref[2]);
      got.forEach((o, k) => expect(Array.from(o), `output ${k}, n ${n}`).toEqual(Array.from(ref[k])));
    }
  });

  it('SwiGLU and its VJP equal the reference on f32 data (odd length, the last element apart)', () => {
    const n = 4097;
    const [g, u, dy] = [randn(n, 4), randn(n), randn(n)];
    const out = new Float32Array(n);
    const ref = new Float32Array(n);
    wasmExp().swiglu(g, u, out, (i) => swigluImpl(g.subarray(i), u.subarray(i), out.subarray(i)));
    swigluImpl(g, u, ref);
    expect(Array.from(out)).toEqual(Array.from(ref));
    const [dg, du, rdg, rdu] = [new Float32Array(n), new Float32Array(n), new Float32Array(n), new Float32Array(n)];
    wasmExp().swigluGrad(dy, g, u, dg, du, (i) => swigluGradImpl(dy.subarray(i), g.subarray(i), u.subarray(i), dg.subarray(i), du.subarray(i)));
    swigluGradImpl(dy, g, u, rdg, rdu);
    expect(Array.from(dg)).toEqual(Array.from(rdg));
    expect(Array.from(du)).toEqual(Array.from(rdu));
  });

  it('row exponentials: exp(x - m) rounded to f32 and their float64 sum (NaN stays NaN, -Infinity gives 0)', () => {
    const n = 6145;
    const x = randn(n, 5);
    x[10] = -Infinity;
    const e = new Float32Array(n);
    const s = wasmExp().row(x, 0, n, 2, e, 0);
    let ref = 0;
    for (let i = 0; i < n; i++) {
      const v = Math.exp(x[i] - 2);
      ref += v;
      expect(e[i]).toBe(Math.fround(v));
    }
    expect(Math.abs(s - ref) / ref).toBeLessThan(1e-13);
    const withNaN = new Float32Array(e.length);
    const y = Float32Array.of(1, NaN, 2, 3);
    expect(wasmExp().row(y, 0, 4, 3, withNaN, 0)).toBeNaN();
    expect(withNaN[1]).toBeNaN();
    expect(withNaN[0]).toBe(Math.fround(Math.exp(-2)));
  });
});
