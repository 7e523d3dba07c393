import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_CONFIG, STUDY_RUNS, withOverrides } from './config.js';

describe('the study runs', () => {
  it('are whole configs: the early rows keep the first model and its data, not the shipped recipe', () => {
    const first = STUDY_RUNS['first-model'];
    expect(first.model).toMatchObject({ hiddenSize: 64, intermediateSize: 176, numLayers: 4 });
    for (const name of ['v3-rephrases', 'v4-statements', 'v5-statements-wide', 'v6-lr3e-3']) {
      const run = STUDY_RUNS[name];
      // none of the session-6 recipe reaches them through the shipped default
      expect(run.copyLines, name).toBeUndefined();
      expect(run.subjectBottleneck, name).toBeUndefined();
      expect(run.seed, name).toBe(first.seed);
    }
    expect(STUDY_RUNS['v6-lr3e-3']).toMatchObject({ steps: 1700, lr: 3e-3, facts: 200, model: { hiddenSize: 96, numLayers: 6 } });
  });

  it('name the shipped config as b9, and --set-style overrides change only what they name', () => {
    expect(STUDY_RUNS['b9-gated-copy-prefixed']).toEqual(DEFAULT_TRAIN_CONFIG);
    const c = withOverrides(STUDY_RUNS['first-model'], { steps: 5, model: { numLayers: 2 } });
    expect(c).toEqual({ ...STUDY_RUNS['first-model'], steps: 5, model: { ...STUDY_RUNS['first-model'].model, numLayers: 2 } });
  });
});
