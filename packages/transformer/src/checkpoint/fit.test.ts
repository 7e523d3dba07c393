/**
 * The fit estimate: Chinese-LLaMA-2-7B's weights against lavapipe's limits (128 MiB bindings, 4 GiB buffers)
 * and a memory budget, with the numbers worked out by hand; `deviceLimitsOf` reads the backends' limits.
 */
import { describe, expect, it } from 'vitest';
import { createCpuBackend, createCpuF32Backend } from '@crossedit/cpu';
import { expectedWeightShapes } from '../model/config.js';
import { FitError, checkFit, deviceLimitsOf, estimateFit, type DeviceLimits } from './fit.js';

const CL2 = { vocabSize: 55296, hiddenSize: 4096, intermediateSize: 11008, numLayers: 32, numHeads: 32, numKvHeads: 32, rmsNormEps: 1e-5, ropeBase: 10000, maxPositions: 4096, tieEmbeddings: false };
const weights = [...expectedWeightShapes(CL2)].map(([name, shape]) => ({ name, shape, dtype: shape.length === 2 ? ('f16' as const) : ('f32' as const) }));
const asF32 = weights.map((w) => ({ ...w, dtype: 'f32' as const }));
// norm vectors stay f32: 65 of them, 4096 elements each
const NORMS = 65 * 4096;
// 2·55296·4096 (embedding, head) + 32·(4·4096² + 3·4096·11008 + 2·4096) + 4096 elements
const PARAMS = 2 * 55296 * 4096 + 32 * (4 * 4096 * 4096 + 3 * 4096 * 11008 + 2 * 4096) + 4096;
const lavapipe = (over: Partial<DeviceLimits> = {}): DeviceLimits => ({ backend: 'webgpu', bytesPerElement: { f32: 4, f16: 2 }, maxBindingBytes: 2 ** 27, maxBufferBytes: 2 ** 32 - 1, ...over });

describe('estimateFit / checkFit', () => {
  it('counts 6.93 G parameters, 13.9 GB in f16; the embedding and head exceed a 128 MiB binding unless sharded', () => {
    expect(PARAMS).toBe(6_929_256_448);
    const est = estimateFit(weights, lavapipe());
    expect(est.weightBytes).toBe(PARAMS * 2 + NORMS * 2);
    expect(est.largest).toMatchObject({ name: 'model.embed_tokens.weight', bytes: 55296 * 4096 * 2 });
    expect(est.problems).toHaveLength(2);
    expect(est.problems[0]).toBe(
      "tensor 'model.embed_tokens.weight' [55296,4096] needs 452,984,832 bytes (432.0 MiB) in f16 (2 bytes per element), more than the webgpu binding limit (maxStorageBufferBindingSize) of 134,217,728 bytes (128.0 MiB) (and this backend does not shard tensors)",
    );
    expect(est.problems[1]).toMatch(/^tensor 'lm_head\.weight'/);
    expect(estimateFit(weights, lavapipe({ rowSharding: true })).problems).toEqual([]);
  });

  it('in f32 the MLP matrices (172 MiB) exceed the binding too; an f16 row planned at 4 bytes per element past the binding cannot shard', () => {
    const est = estimateFit(asF32, lavapipe());
    expect(est.problems).toHaveLength(2 + 3 * 32);
    expect(est.problems.some((p) => p.startsWith("tensor 'model.layers.31.mlp.down_proj.weight' [4096,11008] needs 180,355,072 bytes"))).toBe(true);
    const wide = estimateFit([{ name: 'w', shape: [2, 2 ** 25 + 8], dtype: 'f16' }], lavapipe({ rowSharding: true }));
    expect(wide.problems[0]).toMatch(/one row of it is 134,217,760 bytes.*so even row shards cannot bind/);
  });

  it('a budget below weights + reserve fails before allocation with the numbers; checkFit throws a FitError naming file and tensor', () => {
    const budget = 10 * 2 ** 30;
    const est = estimateFit(weights, lavapipe({ rowSharding: true, memoryBytes: budget, memorySource: 'the device-memory budget given' }));
    expect(est.neededBytes).toBe(PARAMS * 2 + NORMS * 2 + 512 * 2 ** 20);
    expect(est.problems).toEqual([
      "the 291 weights need 13,859,045,376 bytes (12.9 GiB) on webgpu (largest 'model.embed_tokens.weight' [55296,4096], 452,984,832 bytes (432.0 MiB)) plus a 536,870,912 bytes (512.0 MiB) reserve, more than the device-memory budget of 10,737,418,240 bytes (10.0 GiB) (the device-memory budget given)",
    ]);
    expect(estimateFit(weights, lavapipe({ rowSharding: true, memoryBytes: 15 * 2 ** 30 })).problems).toEqual([]);
    let err: unknown;
    try {
      checkFit('/m/model.safetensors.index.json', weights, lavapipe());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FitError);
    expect((err as FitError).file).toBe('/m/model.safetensors.index.json');
    expect((err as FitError).tensor).toBe('model.embed_tokens.weight');
    expect((err as Error).message).toMatch(/^\/m\/model\.safetensors\.index\.json: the model does not fit: tensor 'model\.embed_tokens\.weight'.*Nothing was allocated/);
  });

  it('deviceLimitsOf: CPU backends store 8 (float64) or 4 bytes per element and budget the host memory', () => {
    const cpu = createCpuBackend();
    const f32 = createCpuF32Backend();
    const a = deviceLimitsOf(cpu);
    expect(a).toMatchObject({ backend: 'cpu', bytesPerElement: { f32: 8, f16: 8 }, maxBindingBytes: undefined });
    expect(a.memoryBytes).toBeGreaterThan(0);
    expect(a.memorySource).toMatch(/available memory/);
    expect(deviceLimitsOf(f32, { memoryBytes: 123 })).toMatchObject({ bytesPerElement: { f32: 4, f16: 4 }, memoryBytes: 123, memorySource: 'the device-memory budget given' });
    process.env.CROSSEDIT_DEVICE_MEMORY = '24';
    try {
      expect(deviceLimitsOf(f32)).toMatchObject({ memoryBytes: 24e9, memorySource: 'CROSSEDIT_DEVICE_MEMORY=24 GB' });
      process.env.CROSSEDIT_DEVICE_MEMORY = 'lots';
      expect(() => deviceLimitsOf(f32)).toThrow("CROSSEDIT_DEVICE_MEMORY='lots': expected the device-memory budget in GB, a positive number");
    } finally {
      delete process.env.CROSSEDIT_DEVICE_MEMORY;
    }
    cpu.dispose();
    f32.dispose();
  });
});
