/** Test helpers (not part of the published package). */
import { expect } from 'vitest';
import type { Tensor } from '@crossedit/core';

/** The values of a tensor as a plain array. */
export async function vals(t: Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

/** Asserts elementwise closeness (`|a - e| <= atol + rtol |e|`), treating equal infinities and NaNs as equal. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-12, atol = 1e-12): void {
  expect(actual.length, 'length').toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e)) {
      expect(a, `element ${i}`).toBeNaN();
      continue;
    }
    if (!Number.isFinite(e)) {
      expect(a, `element ${i}`).toBe(e);
      continue;
    }
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      expect.fail(`element ${i}: got ${a}, expected ${e} (rtol ${rtol}, atol ${atol})`);
    }
  }
}

/** Asserts shape and values of a tensor. */
export async function expectTensor(t: Tensor, shape: readonly number[], expected: ArrayLike<number>, rtol = 1e-12): Promise<void> {
  expect(t.shape).toEqual(shape);
  expectClose(await t.data(), expected, rtol);
}
