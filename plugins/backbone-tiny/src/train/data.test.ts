import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_CONFIG, learningRate } from './config.js';
import { BatchSchedule, collate, type Seq } from './data.js';

const seq = (n: number, k: number): Seq => ({ ids: Array.from({ length: n }, (_, i) => k * 100 + i), answerStart: -1, answerEnd: -1, lang: 'en' });

describe('BatchSchedule', () => {
  const lines = Array.from({ length: 103 }, (_, k) => seq(3 + (k % 17), k));
  const sched = new BatchSchedule(lines, 8, 7);

  it('visits every line once an epoch, in batches of similar length', () => {
    expect(sched.stepsPerEpoch).toBe(13);
    for (const epoch of [0, 1]) {
      const seen: number[] = [];
      let spread = 0;
      for (let s = 0; s < 13; s++) {
        const b = sched.batch(epoch * 13 + s);
        seen.push(...b);
        const lens = b.map((i) => lines[i].ids.length);
        spread = Math.max(spread, Math.max(...lens) - Math.min(...lens));
      }
      expect(seen.sort((a, b) => a - b)).toEqual(lines.map((_, i) => i));
      expect(spread).toBeLessThan(16);
    }
  });

  it('depends only on the seed and the step (so a resumed run replays the same batches)', () => {
    const again = new BatchSchedule(lines, 8, 7);
    expect(again.batch(20)).toEqual(sched.batch(20));
    expect(again.batch(3)).toEqual(sched.batch(3));
    expect(new BatchSchedule(lines, 8, 8).batch(0)).not.toEqual(sched.batch(0));
    expect(sched.batch(0)).not.toEqual(sched.batch(13));
  });
});

describe('collate', () => {
  it('right-pads inputs and shifted targets and masks the padding', () => {
    const c = collate([{ ...seq(4, 1) }, { ...seq(2, 2) }], 3);
    expect(c.cols).toBe(3);
    expect(Array.from(c.inputs)).toEqual([100, 101, 102, 200, 3, 3]);
    expect(Array.from(c.targets)).toEqual([101, 102, 103, 201, 3, 3]);
    expect(Array.from(c.mask)).toEqual([1, 1, 1, 1, 0, 0]);
  });

  it('weighs the question tokens of a question-answer line by promptWeight (answer and EOS weigh 1)', () => {
    // ids: BOS q1 q2 a1 a2 EOS; the answer starts at index 3, so targets q1, q2 (positions 0, 1) are question tokens
    const qa: Seq = { ids: [1, 10, 11, 20, 21, 2], answerStart: 3, answerEnd: 5, lang: 'en' };
    const c = collate([qa, seq(3, 4)], 3, 0.25);
    expect(Array.from(c.mask)).toEqual([0.25, 0.25, 1, 1, 1, 1, 1, 0, 0, 0]);
    expect(Array.from(collate([qa], 3).mask)).toEqual([1, 1, 1, 1, 1]);
  });
});

describe('learningRate', () => {
  it('warms up linearly, then decays by a cosine to minLr', () => {
    const cfg = { ...DEFAULT_TRAIN_CONFIG, lr: 1e-2, minLr: 1e-3, warmupSteps: 10, steps: 110 };
    expect(learningRate(cfg, 0)).toBeCloseTo(1e-3, 12);
    expect(learningRate(cfg, 9)).toBeCloseTo(1e-2, 12);
    expect(learningRate(cfg, 60)).toBeCloseTo(5.5e-3, 12);
    expect(learningRate(cfg, 110)).toBeCloseTo(1e-3, 12);
  });
});
