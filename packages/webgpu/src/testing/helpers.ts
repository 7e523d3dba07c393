/** Test helpers: shared backends, seeded data, tolerance comparison (not part of the published package). */
import { Rng, type Backend } from '@crossedit/core';
import { createCpuBackend } from '@crossedit/cpu';
import { expect } from 'vitest';
import { createWebGpuBackend, type WebGpuBackend, type WebGpuBackendOptions } from '../index.js';

/**
 * A fresh seed per run (printed with every failure), or `CROSSEDIT_SEED` to replay one.
 */
export function freshSeed(): number {
  const env = process.env.CROSSEDIT_SEED;
  return env ? Number(env) : (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) >>> 0;
}

/** Both backends of a suite. */
export interface Pair {
  gpu: WebGpuBackend;
  cpu: Backend;
}

/** Creates the WebGPU backend (it must exist: CI runs on lavapipe and nothing is skipped) and a CPU one. */
export async function backends(opts?: WebGpuBackendOptions): Promise<Pair> {
  return { gpu: await createWebGpuBackend(opts), cpu: createCpuBackend() };
}

/** Value generators. */
export type Gen = (rng: Rng, i: number) => number;

export const gens = {
  normal: ((r) => r.gaussian()) as Gen,
  positive: ((r) => 0.1 + 2 * r.uniform()) as Gen,
  awayFromZero: ((r) => (r.uniform() < 0.5 ? -1 : 1) * (0.25 + 2 * r.uniform())) as Gen,
  /** Small integers: many ties. */
  smallInt: ((r) => r.int(5) - 2) as Gen,
  scaled: (s: number): Gen => (r) => s * r.gaussian(),
  ints: (lo: number, hi: number): Gen => (r) => lo + r.int(hi - lo),
};

/** Host data for a shape. */
export function hostData(rng: Rng, shape: readonly number[], gen: Gen, dtype: 'f32' | 'i32' = 'f32'): Float32Array | Int32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = dtype === 'i32' ? new Int32Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = gen(rng, i);
  return out;
}

/** Tolerance of a comparison: |gpu - cpu| <= atol + rtol·|cpu|. */
export interface Tol {
  rtol: number;
  atol: number;
}

/** Compares GPU output with the CPU reference; equal infinities and NaNs match. Returns the worst ratio err/allowed. */
export function expectAllClose(gpu: ArrayLike<number>, cpu: ArrayLike<number>, tol: Tol, what: string): number {
  expect(gpu.length, `${what}: length`).toBe(cpu.length);
  let worst = 0;
  for (let i = 0; i < cpu.length; i++) {
    const e = cpu[i];
    const a = gpu[i];
    if (Number.isNaN(e)) {
      if (!Number.isNaN(a)) expect.fail(`${what}: element ${i}: got ${a}, expected NaN`);
      continue;
    }
    if (!Number.isFinite(e)) {
      if (a !== e) expect.fail(`${what}: element ${i}: got ${a}, expected ${e}`);
      continue;
    }
    const allowed = tol.atol + tol.rtol * Math.abs(e);
    const err = Math.abs(a - e);
    if (!(err <= allowed)) expect.fail(`${what}: element ${i}: got ${a}, expected ${e} (|err| ${err.toExponential(2)} > ${allowed.toExponential(2)})`);
    worst = Math.max(worst, err / allowed);
  }
  return worst;
}
