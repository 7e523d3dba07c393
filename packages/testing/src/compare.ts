/**
 * The relative error tests use to compare a vector with its reference: `max |a − b| / max |b|`, one
 * number for the whole vector, scaled by the reference's largest entry (so entries near zero do not
 * blow it up).
 *
 * @param a - the values under test
 * @param b - the reference values, as many as `a`
 * @returns `max_i |a_i − b_i| / max_i |b_i|`
 * @throws Error when the lengths differ
 *
 * @example
 * ```ts
 * expect(relMaxErr(got.delta, want.delta)).toBeLessThan(1e-12);
 * ```
 */
export function relMaxErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`relMaxErr: lengths differ (${a.length} vs ${b.length})`);
  let err = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return err / scale;
}
