import { describe, expect, it } from 'vitest';
import { ALL, BENCHMARKS, runBenchmark, usage } from './main.js';

describe('pnpm bench dispatcher', () => {
  it('lists every benchmark, marking the ones whose module is missing', () => {
    const text = usage();
    for (const name of Object.keys(BENCHMARKS)) expect(text).toMatch(new RegExp(`^  ${name}\\s`, 'm'));
    expect(ALL).not.toContain('grid');
    expect(text).not.toMatch(/grid .*not available yet/);
  });

  it('refuses an unknown name with the listing', async () => {
    await expect(runBenchmark('nope', [])).rejects.toThrow(/unknown benchmark 'nope'[\s\S]*usage: pnpm bench/);
  });
});
