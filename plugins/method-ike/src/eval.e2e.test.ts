import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HAVE_BIZSRE, SHARED, runBiZsre } from '@crossedit/eval/testing';
import ike from './index.js';

describe.skipIf(!HAVE_BIZSRE)('ike through the evaluation loop', () => {
  it('edits, evaluates and restores Bi-ZsRE records in both source languages', async () => {
    const run = await runBiZsre(ike, { k: 4, bankLimit: 40 }, { dataDir: path.join(SHARED, 'data') });
    expect(run.table.edits).toBe(4);
    expect(run.table.failed).toBe(0);
    expect(run.records.map((r) => r.requestId)).toEqual(['0:en', '1:en', '0:zh', '1:zh']);
    expect(run.table.counts.every((n) => n === 4)).toBe(true);
    expect(run.hashAfter).toBe(run.hashBefore);
    expect(run.records.map((r) => r.diagnostics.bankKinds)).toEqual(new Array(4).fill('{"copy":40,"update":0,"retain":0}'));
    expect(run.records.map((r) => r.diagnostics.bankLang)).toEqual(['en', 'en', 'zh', 'zh']);
    expect(new Set(run.records.map((r) => r.diagnostics.bankSource))).toEqual(new Set([path.join(SHARED, 'data', 'mzsre', 'train')]));
  });
});
