/**
 * Seeded test data and tolerance checks shared by the conformance suites (no test-runner dependency:
 * checks return a failure message, the suites assert on it).
 */
import type { Rng } from '@crossedit/core';

/**
 * A fresh seed per run (printed with every failure), or `CROSSEDIT_SEED` to replay one.
 */
export function freshSeed(): number {
  const env = process.env.CROSSEDIT_SEED;
  return env ? Number(env) : (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) >>> 0;
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

/** Host data for a shape (`f16` data is generated as f32; the tensor's upload rounds it). */
export function hostData(rng: Rng, shape: readonly number[], gen: Gen, dtype: 'f32' | 'f16' | 'i32' = 'f32'): Float32Array | Int32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = dtype === 'i32' ? new Int32Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = gen(rng, i);
  return out;
}

/** Tolerance of a comparison: |got - ref| <= atol + rtol·|ref|. */
export interface Tol {
  rtol: number;
  atol: number;
}

/**
 * Compares a backend's output with the reference; equal infinities and NaNs match. Returns the worst
 * ratio err/allowed and the first failure's message (null when everything is within the tolerance).
 */
export function closeReport(got: ArrayLike<number>, ref: ArrayLike<number>, tol: Tol, what: string): { worst: number; failure: string | null } {
  if (got.length !== ref.length) return { worst: Infinity, failure: `${what}: length ${got.length}, expected ${ref.length}` };
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    const e = ref[i];
    const a = got[i];
    if (Number.isNaN(e)) {
      if (!Number.isNaN(a)) return { worst: Infinity, failure: `${what}: element ${i}: got ${a}, expected NaN` };
      continue;
    }
    if (!Number.isFinite(e)) {
      if (a !== e) return { worst: Infinity, failure: `${what}: element ${i}: got ${a}, expected ${e}` };
      continue;
    }
    const allowed = tol.atol + tol.rtol * Math.abs(e);
    const err = Math.abs(a - e);
    if (!(err <= allowed)) return { worst: Infinity, failure: `${what}: element ${i}: got ${a}, expected ${e} (|err| ${err.toExponential(2)} > ${allowed.toExponential(2)})` };
    worst = Math.max(worst, err / allowed);
  }
  return { worst, failure: null };
}
