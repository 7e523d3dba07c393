import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCpuBackend, createCpuF32Backend } from '@crossedit/cpu';
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
    // the backend the shipped run used (both CPU backends are deterministic)
    const backend = summary.backend === 'cpu-f32' ? createCpuF32Backend() : createCpuBackend();
    const res = await train({ runDir, backend, config: summary.config, stopAfter: 3, progress: false, log: () => undefined });
    backend.dispose();
    expect(res.state.steps).toHaveLength(3);
    res.state.steps.forEach((s, i) => {
      const rec = summary.steps[i];
      expect(s.step).toBe(rec.step);
      expect(s.tokens).toBe(rec.tokens);
      // the same code on the same deterministic backend replays the recorded curve (float64: up to summation order)
      const tol = summary.backend === 'cpu' ? 1e-6 : 1e-4;
      expect(Math.abs(s.loss - rec.loss)).toBeLessThan(tol);
      expect(Math.abs(s.gradNorm - rec.gradNorm) / rec.gradNorm).toBeLessThan(tol);
    });
  });
});
