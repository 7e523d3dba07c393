import type { ModelConfig } from '@crossedit/core';
import { expectedWeightShapes } from '@crossedit/transformer';
import { describe, expect, it } from 'vitest';
import { SMALL_MODEL_PARAMS, chooseBackend, paramCount, parseBackendKind } from './backend.js';
import { ProgressBar, setProgressBackend } from './progress.js';

const stories: ModelConfig = { vocabSize: 512, hiddenSize: 64, intermediateSize: 172, numLayers: 5, numHeads: 8, numKvHeads: 4, rmsNormEps: 1e-5, ropeBase: 10000, maxPositions: 512, tieEmbeddings: false };
const big: ModelConfig = { ...stories, vocabSize: 32000, hiddenSize: 4096, intermediateSize: 11008, numLayers: 32, numHeads: 32, numKvHeads: 32 };

describe('backend selection', () => {
  it('counts parameters as the weight table does', () => {
    for (const c of [stories, { ...stories, tieEmbeddings: true }, big]) {
      let n = 0;
      for (const shape of expectedWeightShapes(c).values()) n += shape.reduce((a, b) => a * b, 1);
      expect(paramCount(c)).toBe(n);
    }
    expect(paramCount(stories)).toBeLessThan(SMALL_MODEL_PARAMS);
    expect(paramCount(big)).toBeGreaterThan(SMALL_MODEL_PARAMS);
  });

  it('auto runs a small model on the f32 CPU backend and says why; explicit kinds are honoured', async () => {
    const auto = await chooseBackend('auto', { config: stories });
    expect(auto.backend.name).toBe('cpu-f32');
    expect(auto.reason).toMatch(/small model \(293K parameters/);
    auto.backend.dispose();
    for (const kind of ['cpu', 'cpu-f32'] as const) {
      const c = await chooseBackend(kind);
      expect(c.backend.name).toBe(kind);
      c.backend.dispose();
    }
  });

  it('rejects an unknown --backend naming the kinds', () => {
    expect(parseBackendKind(undefined)).toBe('auto');
    expect(parseBackendKind('cpu-f32')).toBe('cpu-f32');
    expect(() => parseBackendKind('gpu')).toThrow("--backend must be auto, webgpu, cpu, cpu-f32 (got 'gpu')");
  });

  it('every progress line names the backend', () => {
    let out = '';
    const stream = { isTTY: false, write: (s: string) => ((out += s), true) } as unknown as NodeJS.WriteStream;
    setProgressBackend('cpu-f32');
    try {
      const bar = new ProgressBar('loading tiny', 2, stream);
      bar.update(2);
      bar.finish();
    } finally {
      setProgressBackend(null);
    }
    const lines = out.trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).toMatch(/^loading tiny \(cpu-f32\) \[/);
  });
});
