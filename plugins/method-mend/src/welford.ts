/** Welford running mean and variance per feature (MEND's input normalisation of x and δ). */

/** Running statistics of `n` features. */
export class Welford {
  count = 0;
  readonly mean: Float64Array;
  readonly m2: Float64Array;

  constructor(readonly n: number) {
    this.mean = new Float64Array(n);
    this.m2 = new Float64Array(n);
  }

  /** Adds rows `[rows, n]` (row-major) one at a time. */
  update(rows: ArrayLike<number>, count: number): void {
    for (let r = 0; r < count; r++) {
      this.count++;
      const k = this.count;
      for (let i = 0; i < this.n; i++) {
        const x = rows[r * this.n + i];
        const d = x - this.mean[i];
        this.mean[i] += d / k;
        this.m2[i] += d * (x - this.mean[i]);
      }
    }
  }

  /** Sample standard deviation per feature (1 before two rows were seen). */
  std(): Float64Array {
    const out = new Float64Array(this.n);
    for (let i = 0; i < this.n; i++) out[i] = this.count > 1 ? Math.sqrt(this.m2[i] / (this.count - 1)) : 1;
    return out;
  }
}
