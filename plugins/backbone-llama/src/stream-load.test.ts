/**
 * Loading in bounded host memory: a 284 MiB random f16 checkpoint (HF names, two safetensors shards and an
 * index) streams through one buffer of its largest tensor, so the loader's host memory (resident set and
 * ArrayBuffers, less what the backend holds as weights) stays near that tensor plus a constant, far below the
 * checkpoint; the values arrive exactly. A model that cannot fit the device is refused before anything is
 * allocated, naming the file, the tensor and the numbers.
 */
import { rmSync } from 'node:fs';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { f16ToF32, type ModelConfig } from '@crossedit/core';
import { createCpuF32Backend } from '@crossedit/cpu';
import { FitError, expectedWeightShapes, openCheckpoint, streamTensors } from '@crossedit/transformer';
import { loadLlamaFamily } from './load.js';
import { logitsOf, randomWeightChunks, tempModelDir, tryWebGpu, writeRandomLlamaCheckpoint } from './testing/index.js';

const MiB = 2 ** 20;
// embedding and head [40000, 1024] (78 MiB in f16, 156 MiB in f32: past lavapipe's 128 MiB binding), 4 layers
const CFG: ModelConfig = { vocabSize: 40000, hiddenSize: 1024, intermediateSize: 4096, numLayers: 4, numHeads: 8, numKvHeads: 8, rmsNormEps: 1e-5, ropeBase: 10000, maxPositions: 128, tieEmbeddings: false };
const LARGEST = 40000 * 1024;
let dir: string;
let files: string[];
let bytes: number;

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Peak growth of rss and arrayBuffers over a run, less `held()` (bytes the backend legitimately holds). */
async function peakGrowth<T>(run: (sample: () => void) => Promise<T>, held: () => number = () => 0): Promise<{ result: T; rss: number; ab: number }> {
  gc();
  const base = process.memoryUsage();
  let rss = 0;
  let ab = 0;
  const sample = () => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss - base.rss - held());
    ab = Math.max(ab, m.arrayBuffers - base.arrayBuffers - held());
  };
  const result = await run(sample);
  sample();
  return { result, rss, ab };
}

beforeAll(async () => {
  dir = tempModelDir();
  ({ files, bytes } = await writeRandomLlamaCheckpoint(dir, CFG, { dtype: 'f16', maxShardBytes: 200 * MiB }));
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bounded-memory streaming of a 284 MiB sharded f16 checkpoint', () => {
  it('is written as HF shards with an index, in bounded memory', () => {
    expect(files.map((f) => nodePath.basename(f))).toEqual(['model.safetensors.index.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
    expect(bytes).toBe(2 * (2 * LARGEST + 4 * (4 * 1024 * 1024 + 3 * 1024 * 4096 + 2 * 1024) + 1024));
    expect(bytes).toBeGreaterThan(280 * MiB);
  });

  it('streamTensors holds one largest tensor plus a constant: rss grows < 78 MiB + 64 MiB while 284 MiB stream by', async () => {
    const r = await openCheckpoint(dir);
    const plan = r.list().map((e) => ({ name: e.name, shape: e.shape }));
    let sum = 0;
    const { result, rss, ab } = await peakGrowth(async (sample) =>
      streamTensors(r, plan, { dtype: 'f16', onProgress: sample }, (_e, data) => {
        for (let i = 0; i < data.length; i += 4099) sum += data[i];
      }),
    );
    await r.close();
    expect(result.storedBytes).toBe(bytes);
    expect(result.hostBufferBytes).toBe(LARGEST * 2);
    expect(sum).toBeGreaterThan(0);
    // the buffer (78 MiB) was allocated once; growth past it is the 8 MiB scratch and noise, far from 300 MB
    expect(ab).toBeLessThan(LARGEST * 2 + 24 * MiB);
    expect(rss).toBeLessThan(LARGEST * 2 + 64 * MiB);
  }, 60_000);

  it('loadLlamaFamily on cpu-f32: host memory beyond the uploaded weights stays near the largest f32 tensor; values exact', async () => {
    const backend = createCpuF32Backend();
    const { result: model, rss, ab } = await peakGrowth(
      (sample) => loadLlamaFamily({ modelDir: dir }, { backend, onProgress: sample }),
      () => backend.memory().bytesInUse,
    );
    expect(backend.memory().bytesInUse).toBe(bytes * 2);
    // weights: f32 copies held by the backend (600 MB) are subtracted; the loader's own buffer is 156 MiB
    expect(ab).toBeLessThan(LARGEST * 4 + 24 * MiB);
    expect(rss).toBeLessThan(LARGEST * 4 + 96 * MiB);
    // the values: regenerate the down projection of layer 3 (seed = its index in the writer's order + 1)
    const names = [...expectedWeightShapes(CFG).keys()];
    const name = 'model.layers.3.mlp.down_proj.weight';
    const want = new Uint16Array(1024 * 4096);
    let at = 0;
    for (const c of randomWeightChunks(1024 * 4096, 4096, names.indexOf(name) + 1, 'f16')) {
      want.set(new Uint16Array(c.buffer, c.byteOffset, c.byteLength / 2), at);
      at += c.byteLength / 2;
    }
    const got = await model.weights().get(name)!.data();
    let bad = 0;
    for (let i = 0; i < want.length; i++) if (got[i] !== f16ToF32(want[i])) bad++;
    expect(bad).toBe(0);
    model.dispose();
    backend.dispose();
  }, 120_000);

  it('a device-memory budget below the weights is refused before allocation, with the numbers', async () => {
    const backend = createCpuF32Backend();
    const t0 = performance.now();
    const e = await loadLlamaFamily({ modelDir: dir }, { backend, deviceMemoryBytes: 512 * MiB }).catch((x: unknown) => x);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(e).toBeInstanceOf(FitError);
    expect((e as FitError).file).toBe(nodePath.join(dir, 'model.safetensors.index.json'));
    expect((e as Error).message).toMatch(
      /model\.safetensors\.index\.json: the 'llama' model in f32 does not fit: the 39 weights need 596,152,320 bytes \(568\.5 MiB\) on cpu-f32 \(largest 'model\.embed_tokens\.weight' \[40000,1024\], 163,840,000 bytes \(156\.3 MiB\)\) plus a 536,870,912 bytes \(512\.0 MiB\) reserve, more than the device-memory budget of 536,870,912 bytes \(512\.0 MiB\) \(the device-memory budget given\)/,
    );
    expect(backend.memory().storages).toBe(0);
    backend.dispose();
  });

  it('on WebGPU: f16 (auto) loads with norms in f32; f32 row-shards the 156 MiB embedding; a row past a lowered binding limit is refused before allocation', async () => {
    const { backend, why } = await tryWebGpu();
    if (!backend) throw new Error(`this test needs the WebGPU backend (lavapipe in CI): ${why}`);
    const binding = backend.maxBindingBytes!;
    expect(binding).toBeLessThan(LARGEST * 4); // lavapipe: 128 MiB
    const ids = [[1, 7, 99, 39999]];
    // f16 (auto: an f16 checkpoint on shader-f16): the matrices are f16 bits straight from the file
    const choices: string[] = [];
    const fits: number[] = [];
    const m16 = await loadLlamaFamily({ modelDir: dir }, { backend, onDType: (c) => choices.push(c.reason), onFit: (f) => fits.push(f.weightBytes) });
    expect(choices).toEqual([expect.stringMatching(/^f16 \(auto: checkpoint stored in f16, webgpu has shader-f16\)/)]);
    const norms = (2 * 4 + 1) * 1024;
    expect(fits).toEqual([bytes + norms * 2]);
    expect(backend.memory().bytesInUse).toBeGreaterThanOrEqual(bytes + norms * 2);
    expect(m16.weights().get('model.embed_tokens.weight')!.dtype).toBe('f16');
    expect(m16.weights().get('model.norm.weight')!.dtype).toBe('f32');
    const l16 = await logitsOf(m16, ids);
    m16.dispose();
    // f32: the [40000,1024] embedding and head (156 MiB each) pass the binding and are row-sharded
    const m32 = await loadLlamaFamily({ modelDir: dir }, { backend, dtype: 'f32' });
    expect(m32.weights().get('model.embed_tokens.weight')!.shards).toBe(2);
    const l32 = await logitsOf(m32, ids);
    m32.dispose();
    expect(l16.length).toBe(4 * 40000);
    let worst = 0;
    for (let i = 0; i < l16.length; i++) worst = Math.max(worst, Math.abs(l16[i] - l32[i]));
    expect(l16.every(Number.isFinite)).toBe(true);
    expect(worst).toBeLessThan(1e-2); // same f16 values, f32 accumulation both ways
    backend.dispose();

    const { createWebGpuBackend } = await import('@crossedit/webgpu');
    const small = await createWebGpuBackend({ maxBindingBytes: 2048 });
    const e = await loadLlamaFamily({ modelDir: dir }, { backend: small }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(FitError);
    expect((e as FitError).tensor).toBe('model.embed_tokens.weight');
    expect((e as Error).message).toMatch(
      /tensor 'model\.embed_tokens\.weight' \[40000,1024\] needs 81,920,000 bytes \(78\.1 MiB\) in f16 \(2 bytes per element\); one row of it is 4,096 bytes \(4\.0 KiB\), more than the webgpu binding limit \(maxStorageBufferBindingSize\) of 2,048 bytes \(2\.0 KiB\), so even row shards cannot bind/,
    );
    expect(small.memory().storages).toBe(0);
    small.dispose();
  }, 120_000);
});
