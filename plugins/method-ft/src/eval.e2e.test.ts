import { describe, expect, it } from 'vitest';
import { HAVE_BIZSRE, runBiZsre } from '@crossedit/eval/testing';
import ft from './index.js';

describe.skipIf(!HAVE_BIZSRE)('ft through the evaluation loop', () => {
  it('edits, evaluates and restores Bi-ZsRE records in both source languages', async () => {
    const run = await runBiZsre(ft, { normConstraint: 0, lr: 0.05, numSteps: 30 });
    expect(run.table.edits).toBe(4);
    expect(run.table.failed).toBe(0);
    expect(run.records.map((r) => r.requestId)).toEqual(['0:en', '1:en', '0:zh', '1:zh']);
    expect(run.table.counts.every((n) => n === 4)).toBe(true);
    expect(run.hashAfter).toBe(run.hashBefore);
    // unconstrained FT on a tiny model learns the edit in both languages
    expect(run.table.tokenAcc[0]).toBeGreaterThan(0.9);
  });
});
