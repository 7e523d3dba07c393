/**
 * The shared checkpoint suite of the LLaMA-family backbones: a tiny random checkpoint written in the backbone's
 * exact tensor names, shapes and formats (safetensors and PyTorch `.bin`, single file and sharded, f32 and f16)
 * is loaded through the backbone and must give the logits of an independently built reference model; WebGPU's
 * logits must equal the CPU's.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setBackend, type Backend, type ModelConfig } from '@crossedit/core';
import { createCpuBackend } from '@crossedit/cpu';
import type { LlamaModel } from '@crossedit/transformer';
import type { LlamaFamilyBackbone } from '../define.js';
import { modelFromHost, randomHostWeights, tempModelDir, writeHfCheckpoint, type CheckpointTensor, type HostWeights } from '@crossedit/testing/checkpoints';
import { LOGIT_IDS, LOGIT_MASK, atReal, logitsOf, tryWebGpu, worstRatio } from './run.js';

/** What {@link describeCheckpointSuite} needs to know about a backbone. */
export interface CheckpointSuiteOptions {
  backbone: LlamaFamilyBackbone;
  /** A tiny config of the backbone's family (its quirks included). */
  config: ModelConfig;
  /** The tiny model's `config.json`, as the backbone's published checkpoints write it. */
  hfConfig: Record<string, unknown>;
  /** Canonical host weights → the tensors of a checkpoint in the backbone's own names (fusing, buffers). */
  fileTensors(host: HostWeights, config: ModelConfig): CheckpointTensor[];
  /** The reference model (default: the canonical weights as they are, {@link modelFromHost}). */
  reference?(host: HostWeights, config: ModelConfig, backend: Backend): LlamaModel;
  /** Weight seed (default 11). */
  seed?: number;
}

const IDS = LOGIT_IDS;
const MASK = LOGIT_MASK;

/**
 * Registers the checkpoint tests of a backbone (safetensors and `.bin`, single and 2 shards, f32 and f16, and
 * WebGPU parity, skipped with a note when no WebGPU backend exists).
 */
export function describeCheckpointSuite(opts: CheckpointSuiteOptions): void {
  const { backbone, config } = opts;
  describe(`${backbone.id}: tiny random checkpoints in its own layout`, () => {
    let cpu: Backend;
    let host: HostWeights;
    let reference: Float64Array;
    const dirs: string[] = [];
    const write = async (format: 'safetensors' | 'bin', shards: number, dtype: 'f32' | 'f16') => {
      const dir = tempModelDir(`crossedit-${backbone.id}-`);
      dirs.push(dir);
      await writeHfCheckpoint(dir, opts.fileTensors(host, config), { format, shards, dtype, config: opts.hfConfig });
      return dir;
    };

    beforeAll(async () => {
      cpu = createCpuBackend();
      setBackend(cpu);
      host = randomHostWeights(config, opts.seed ?? 11);
      const ref = (opts.reference ?? ((h, c, b) => modelFromHost(c, h, b)))(host, config, cpu);
      reference = await logitsOf(ref, IDS, MASK);
      ref.dispose();
    });

    afterAll(() => {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });

    const cases = [
      ['safetensors', 1, 'f32'],
      ['safetensors', 2, 'f16'],
      ['bin', 1, 'f16'],
      ['bin', 2, 'f32'],
    ] as const;
    for (const [format, shards, dtype] of cases) {
      it(`${format} ${shards === 1 ? 'single file' : `${shards} shards`} ${dtype}: loaded logits equal the reference`, async () => {
        const dir = await write(format, shards, dtype);
        const model = await backbone.loadModel({ modelDir: dir }, { backend: cpu });
        expect(model.config).toEqual(config);
        const got = await logitsOf(model, IDS, MASK);
        expect(worstRatio(got, reference, 1e-10, 1e-10)).toBeLessThanOrEqual(1);
        model.dispose();
      });
    }

    it('WebGPU logits equal the CPU reference', async (ctx) => {
      const { backend: gpu, why } = await tryWebGpu();
      if (!gpu) {
        console.warn(`[${backbone.id}] WebGPU parity skipped: ${why}`);
        ctx.skip();
        return;
      }
      try {
        const dir = await write('bin', 2, 'f16');
        const model = await backbone.loadModel({ modelDir: dir }, { backend: gpu });
        const got = await logitsOf(model, IDS, MASK);
        const v = config.vocabSize;
        expect(worstRatio(atReal(got, MASK, v), atReal(reference, MASK, v), 1e-3, 1e-4)).toBeLessThanOrEqual(1);
        model.dispose();
      } finally {
        gpu.dispose();
      }
    });
  });
}
