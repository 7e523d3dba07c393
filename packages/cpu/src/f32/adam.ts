/** The Adam update on f32 storages: the reference's arithmetic in the same order, in a monomorphic loop. */
import type { KernelAttrs } from '@crossedit/core';
import { wasmExp } from './exp-wasm.js';

/** Arrays of at least this many elements take the WebAssembly SIMD loop (the same arithmetic, bit for bit). */
const SIMD_MIN = 64;

/**
 * `[next, m', v']` of one Adam step on `Float32Array`s, the arithmetic of the reference `adamStepImpl`
 * in the same order (float64 per element, the moments rounded to f32 before they feed the update, as
 * the reference does when its outputs are f32), so the results are bit for bit the reference kernel's
 * on f32 arrays; the loop is specialised by the weight-decay mode instead of testing it per element, and
 * arrays of 64 elements or more run it in WebAssembly SIMD (two float64 lanes, the same operations).
 */
export function adamStepF32(p: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, a: KernelAttrs<'AdamStep'>, next: Float32Array, mo: Float32Array, vo: Float32Array): void {
  const { beta1: b1, beta2: b2, eps, sqrtBc2, stepSize, lr, weightDecay: wd, decoupled } = a;
  const c1 = 1 - b1;
  const c2 = 1 - b2;
  const n = next.length;
  if (n >= SIMD_MIN) {
    const coupledWd = wd !== 0 && !decoupled ? wd : 0;
    const shrink = wd !== 0 && decoupled ? 1 - lr * wd : 1;
    const tail = (i: number) => adamStepF32(p.subarray(i), grad.subarray(i), m.subarray(i), v.subarray(i), a, next.subarray(i), mo.subarray(i), vo.subarray(i));
    wasmExp().adam([p, grad, m, v], [next, mo, vo], { b1, c1, b2, c2, eps, sqrtBc2, stepSize, shrink, coupledWd }, tail);
    return;
  }
  if (wd !== 0 && !decoupled) {
    for (let i = 0; i < n; i++) {
      const g = grad[i] + p[i] * wd;
      mo[i] = m[i] * b1 + g * c1;
      vo[i] = v[i] * b2 + g * g * c2;
      next[i] = p[i] - (mo[i] / (Math.sqrt(vo[i]) / sqrtBc2 + eps)) * stepSize;
    }
  } else if (wd !== 0) {
    const shrink = 1 - lr * wd;
    for (let i = 0; i < n; i++) {
      const g = grad[i];
      mo[i] = m[i] * b1 + g * c1;
      vo[i] = v[i] * b2 + g * g * c2;
      next[i] = (shrink === 1 ? p[i] : p[i] * shrink) - (mo[i] / (Math.sqrt(vo[i]) / sqrtBc2 + eps)) * stepSize;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const g = grad[i];
      mo[i] = m[i] * b1 + g * c1;
      vo[i] = v[i] * b2 + g * g * c2;
      next[i] = p[i] - (mo[i] / (Math.sqrt(vo[i]) / sqrtBc2 + eps)) * stepSize;
    }
  }
}
