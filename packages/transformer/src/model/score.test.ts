import { describe, expect, it } from 'vitest';
import type { Tokenizer } from '@crossedit/core';
import { scoreTeacherForced, scoreTeacherForcedBatch, teacherForcedIds } from './score.js';
import { naiveForward } from './testing/naive.js';
import { TINY, expectClose, hostWeights, tinyModel } from './testing/setup.js';

describe('teacher-forced scoring', () => {
  it('matches log-softmax/argmax of the naive reference for each item, either padding side', async () => {
    const model = tinyModel(TINY, 4, 3);
    const items = [
      { promptIds: [1, 14, 3], targetIds: [27, 8] },
      { promptIds: [1, 5], targetIds: [9, 2, 44, 17] },
      { promptIds: [1, 30, 31, 32, 33], targetIds: [6] },
    ];
    const host = await hostWeights(model);
    const want = items.map((it) => {
      const seq = [...it.promptIds, ...it.targetIds];
      const lg = naiveForward(TINY, host, [seq]).logits[0];
      return it.targetIds.map((t, i) => {
        const row = lg[it.promptIds.length - 1 + i];
        const mx = Math.max(...row);
        const lse = mx + Math.log(row.reduce((a, v) => a + Math.exp(v - mx), 0));
        return { pred: row.indexOf(mx), lp: row[t] - lse };
      });
    });
    for (const paddingSide of ['left', 'right'] as const) {
      const got = await scoreTeacherForcedBatch(model, items, { paddingSide, padId: 0 });
      got.forEach((g, i) => {
        expect(g.predictions).toEqual(want[i].map((w) => w.pred));
        expectClose(g.logProbs, want[i].map((w) => w.lp), 1e-10, 1e-10, `${paddingSide} item ${i}`);
        expect(g.correct).toEqual(g.predictions.map((p, t) => p === items[i].targetIds[t]));
        expect(g.accuracy).toBeCloseTo(g.correct.filter(Boolean).length / g.correct.length, 12);
      });
    }
    // the model's own greedy predictions as targets score 1.0
    const own = { promptIds: items[1].promptIds, targetIds: [want[1][0].pred] };
    expect((await scoreTeacherForced(model, own.promptIds, own.targetIds)).accuracy).toBe(1);
    model.dispose();
  });

  it('teacherForcedIds splits encode(prompt + " " + target) after the prompt tokens', () => {
    // a word-level stub: BOS = 1, each word → its length + 2
    const tok = {
      encode: (text: string) => {
        const ids = [1, ...text.split(' ').filter(Boolean).map((w) => w.length + 2)];
        return { ids, offsets: ids.map(() => [0, 0] as [number, number]) };
      },
    } as unknown as Tokenizer;
    expect(teacherForcedIds(tok, 'who is the king', 'Elvis Presley')).toEqual({ promptIds: [1, 5, 4, 5, 6], targetIds: [7, 9] });
  });
});
