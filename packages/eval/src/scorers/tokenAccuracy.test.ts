import { describe, expect, it } from 'vitest';
import { tokenAccuracy } from './tokenAccuracy.js';

describe('tokenAccuracy', () => {
  it('is the fraction of equal positions', () => {
    expect(tokenAccuracy([5, 7, 9], [5, 8, 9])).toBeCloseTo(2 / 3, 15);
    expect(tokenAccuracy([1, 2], [1, 2])).toBe(1);
    expect(tokenAccuracy([3, 3, 3, 3], [4, 4, 4, 3])).toBe(0.25);
  });

  it('is position by position (a shifted answer scores 0)', () => {
    expect(tokenAccuracy([10, 11, 12], [11, 12, 13])).toBe(0);
  });

  it('rejects misaligned or empty inputs', () => {
    expect(() => tokenAccuracy([1, 2], [1])).toThrow(/2 predictions but 1 labels/);
    expect(() => tokenAccuracy([], [])).toThrow(/no labels/);
  });
});
