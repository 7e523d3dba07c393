import { describe, expect, it } from 'vitest';
import { BENCHMARKS } from './main.js';
import { benchTrainConfig, parseTrainSpeedArgs, syntheticLines } from './train-speed.js';

describe('pnpm bench train-speed options', () => {
  it('is listed by the dispatcher', () => {
    expect(BENCHMARKS['train-speed'].file).toBe('train-speed.ts');
  });

  it('defaults to the candidate architecture, 16 × 16 batches and 20 steps against PyTorch', () => {
    const o = parseTrainSpeedArgs([]);
    expect(o).toMatchObject({ steps: 20, warmup: 2, profileSteps: 3, profileShapes: false, torch: true, threads: 1, backend: 'cpu-f32', batch: 16, seq: 16 });
    expect(o.model).toMatchObject({ numLayers: 6, hiddenSize: 96, intermediateSize: 256, numHeads: 4, numKvHeads: 4, vocabSize: 6144, tieEmbeddings: true });
  });

  it('passes the options into the trainer config and the synthetic lines', () => {
    const o = parseTrainSpeedArgs(['--steps', '5', '--warmup', '1', '--profile-steps', '0', '--batch', '4', '--seq', '9', '--layers', '2', '--vocab', '50', '--torch', 'off', '--profile-shapes']);
    expect(o.torch).toBe(false);
    expect(o.profileShapes).toBe(true);
    const cfg = benchTrainConfig(o);
    expect(cfg).toMatchObject({ steps: 6, batchSize: 4, maxLen: 10, weightDecay: 0.05, gradClip: 1 });
    expect(cfg.model.numLayers).toBe(2);
    // the plain step train_step.py runs: none of the embedded model's extra objectives
    expect(cfg.interchange).toBeUndefined();
    expect(cfg.keyDecorrelation).toBeUndefined();
    expect(cfg.subjectBottleneck).toBeUndefined();
    const lines = syntheticLines(8, o.seq, o.model.vocabSize, 3);
    expect(lines).toHaveLength(8);
    for (const l of lines) {
      expect(l.ids).toHaveLength(10);
      for (const id of l.ids) expect(id >= 3 && id < 50).toBe(true);
    }
    expect(syntheticLines(8, 9, 50, 3)).toEqual(lines);
    expect(syntheticLines(8, 9, 50, 4)).not.toEqual(lines);
  });

  it('rejects bad values naming the flag', () => {
    expect(() => parseTrainSpeedArgs(['--steps', '0'])).toThrow(/--steps must be an integer >= 1 \(got '0'\)/);
    expect(() => parseTrainSpeedArgs(['--torch', 'maybe'])).toThrow(/--torch must be on or off/);
    expect(() => parseTrainSpeedArgs(['--backend', 'webgpu'])).toThrow(/--backend must be cpu-f32 or cpu/);
    expect(() => parseTrainSpeedArgs(['--hidden', '30', '--heads', '4'])).toThrow(/--hidden must be a multiple of 2 × --heads/);
    expect(() => parseTrainSpeedArgs(['--nope'])).toThrow(/nope/);
  });
});
