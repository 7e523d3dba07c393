import { readFileSync } from 'node:fs';
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

  // steps an epoch of each recipe's data (`dump-data.ts` prints them; 16 lines a batch)
  it.each([
    ['b22-h160-keydecor1-iit-copy', 444],
    ['b25-b22-compose', 444],
    ['b27-b24-compose', 676],
    ['b28-b27-keydecor3', 676],
    ['b29-b28-keydecor6', 676],
    ['b30-b28-keydecor10', 676],
    ['b33-b29-loc2000', 800],
  ])("repeat %s's PyTorch scout: its data set, and its interchange and key-decorrelation options", (name, stepsPerEpoch) => {
    const recipes = JSON.parse(readFileSync(new URL('../../scripts/scout/recipes.json', import.meta.url), 'utf8')) as Record<string, { set: Record<string, unknown>; torch: Record<string, number> }>;
    const { set, torch } = recipes[name];
    const run = STUDY_RUNS[name];
    expect(run).toMatchObject(set);
    expect(run.steps).toBe(torch.epochs * stepsPerEpoch);
    expect(run.subjectBottleneck).toEqual({ layer: torch.bottleneck_layer, until: torch.bottleneck_until });
    expect(run.interchange).toEqual({ weight: torch.iit, rows: torch.iit_rows, layer: torch.iit_layer, copy: torch.iit_copy, compose: torch.iit_compose });
    expect(run.keyDecorrelation).toEqual({ weight: torch.key_decor, layer: torch.key_decor_layer });
    expect([run.lr, run.minLr, run.warmupSteps, run.batchSize, run.weightDecay, run.model.numHeads]).toEqual([torch.lr, torch.min_lr, torch.warmup, torch.bs, torch.wd, torch.heads]);
  });
});
