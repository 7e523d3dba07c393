import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCpuBackend } from '@crossedit/cpu';
import { assetsDir } from './paths.js';
import { sharedOrNull } from './testing/shared.js';
import type { TrainConfig } from './train/config.js';
import { DEFAULT_TRAIN_CONFIG } from './train/config.js';
import { train } from './train/run.js';

const summary = JSON.parse(readFileSync(path.join(assetsDir, 'training.json'), 'utf8')) as {
  config: TrainConfig;
  backend: string;
  steps: { step: number; loss: number; gradNorm: number; tokens: number }[];
};

describe.skipIf(!sharedOrNull())('retraining the shipped model', () => {
  it('was trained with the default config', () => {
    expect(summary.config).toEqual(DEFAULT_TRAIN_CONFIG);
  });

  it('reproduces the first steps of the recorded loss curve from the same seed', async () => {
    const runDir = mkdtempSync(path.join(tmpdir(), 'tiny-repro-'));
    const res = await train({ runDir, backend: createCpuBackend(), config: summary.config, stopAfter: 3, progress: false, log: () => undefined });
    expect(res.state.steps).toHaveLength(3);
    res.state.steps.forEach((s, i) => {
      const rec = summary.steps[i];
      expect(s.step).toBe(rec.step);
      expect(s.tokens).toBe(rec.tokens);
      // the shipped run used the CPU backend (float64): the same code replays it up to summation order
      expect(Math.abs(s.loss - rec.loss)).toBeLessThan(summary.backend === 'cpu' ? 1e-6 : 2e-3);
      expect(Math.abs(s.gradNorm - rec.gradNorm) / rec.gradNorm).toBeLessThan(summary.backend === 'cpu' ? 1e-6 : 1e-2);
    });
  });
});
