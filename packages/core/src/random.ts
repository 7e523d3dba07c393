/** Seeded random numbers (host side): reproducible across runs and backends. */
import type { Backend } from './backend.js';
import { tensor } from './ops/creation.js';
import type { Shape } from './shape.js';
import { sizeOf } from './shape.js';
import type { Tensor } from './tensor.js';

/**
 * A small, fast, seeded generator (xoshiro128**, seeded through splitmix32).
 *
 * @example
 * ```ts
 * const rng = new Rng(42);
 * const w = rng.normal([4, 4], { std: 0.02 });
 * ```
 */
export class Rng {
  #s = new Uint32Array(4);
  #spare: number | null = null;

  constructor(seed: number) {
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.#s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }

  /** A uniform 32-bit unsigned integer. */
  nextU32(): number {
    const s = this.#s;
    const r = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return r;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextU32() / 4294967296;
  }

  /** Standard normal (Box–Muller). */
  gaussian(): number {
    if (this.#spare !== null) {
      const v = this.#spare;
      this.#spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Samples an index with probability proportional to `weights` (non-negative). */
  categorical(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i];
    let r = this.uniform() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i];
      if (r < 0) return i;
    }
    return weights.length - 1;
  }

  /** A normal tensor. */
  normal(shape: Shape, opts: { mean?: number; std?: number; backend?: Backend } = {}): Tensor {
    const n = sizeOf(shape);
    const v = new Float64Array(n);
    const m = opts.mean ?? 0;
    const s = opts.std ?? 1;
    for (let i = 0; i < n; i++) v[i] = m + s * this.gaussian();
    return tensor(v, shape, { backend: opts.backend });
  }

  /** A uniform tensor in [lo, hi). */
  uniformTensor(shape: Shape, opts: { lo?: number; hi?: number; backend?: Backend } = {}): Tensor {
    const n = sizeOf(shape);
    const v = new Float64Array(n);
    const lo = opts.lo ?? 0;
    const hi = opts.hi ?? 1;
    for (let i = 0; i < n; i++) v[i] = lo + (hi - lo) * this.uniform();
    return tensor(v, shape, { backend: opts.backend });
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
