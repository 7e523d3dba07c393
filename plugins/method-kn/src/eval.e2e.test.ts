import { describe, expect, it } from 'vitest';
import { HAVE_BIZSRE, runBiZsre } from '@crossedit/eval/testing';
import kn from './index.js';

describe.skipIf(!HAVE_BIZSRE)('kn through the evaluation loop', () => {
  it('edits, evaluates and restores Bi-ZsRE records in both source languages', async () => {
    const run = await runBiZsre(kn, { steps: 2 });
    expect(run.table.edits).toBe(4);
    expect(run.table.failed).toBe(0);
    expect(run.records.map((r) => r.requestId)).toEqual(['0:en', '1:en', '0:zh', '1:zh']);
    expect(run.table.counts.every((n) => n === 4)).toBe(true);
    expect(run.hashAfter).toBe(run.hashBefore);
    expect(run.records.every((r) => Number(r.diagnostics.neurons) > 0)).toBe(true);
  });
});
