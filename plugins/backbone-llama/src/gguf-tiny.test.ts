/**
 * The generic LLaMA backbone on a tiny random GGUF (llama.cpp names, interleaved q/k rows, f32 and f16): the
 * loaded model's logits equal those of the HF-layout reference built from the same values (CPU, float64).
 */
import { rmSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { setBackend } from '@crossedit/core';
import { createCpuBackend } from '@crossedit/cpu';
import llama from './index.js';
import { LOGIT_IDS, LOGIT_MASK, TINY_LLAMA, logitsOf, modelFromHost, randomHostWeights, tempModelDir, worstRatio, writeLlamaGguf } from './testing/index.js';


describe('backbone-llama: tiny random GGUF', () => {
  const dir = tempModelDir('crossedit-gguf-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cpu = createCpuBackend();
  setBackend(cpu);
  const host = randomHostWeights(TINY_LLAMA, 5);

  for (const dtype of ['f32', 'f16'] as const) {
    it(`${dtype}: loaded logits equal the HF-layout reference`, async () => {
      const path = nodePath.join(dir, `tiny-${dtype}.gguf`);
      writeLlamaGguf(path, host, TINY_LLAMA, { dtype });
      const model = await llama.loadModel({ modelDir: path }, { backend: cpu });
      const ref = modelFromHost(model.config, host, cpu);
      try {
        expect(model.config).toEqual({ ...TINY_LLAMA, rmsNormEps: Math.fround(TINY_LLAMA.rmsNormEps) });
        const want = await logitsOf(ref, LOGIT_IDS, LOGIT_MASK);
        expect(Math.max(...want.map(Math.abs))).toBeGreaterThan(0.1);
        expect(worstRatio(await logitsOf(model, LOGIT_IDS, LOGIT_MASK), want, 1e-12, 1e-12)).toBeLessThanOrEqual(1);
      } finally {
        model.dispose();
        ref.dispose();
      }
    });
  }
});
