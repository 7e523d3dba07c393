/**
 * `--dtype` on LLaMA-family loads: `auto` stores an f16/bf16 checkpoint's matrices in f16 on WebGPU
 * (`shader-f16`) and in f32 on the CPU; an explicit f16 is honoured on the CPU (widened); norms stay f32; a
 * bf16 value beyond f16's range is an error naming the file and tensor.
 */
import { rmSync } from 'node:fs';
import { FormatError, setBackend, type Backend, type WeightDTypeChoice } from '@crossedit/core';
import { createCpuBackend } from '@crossedit/cpu';
import { createWebGpuBackend, type WebGpuBackend } from '@crossedit/webgpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import llama, { LLAMA_LAYOUT } from './index.js';
import { TINY_LLAMA, logitsOf, randomHostWeights, tempModelDir, tinyHfConfig, worstRatio, writeHfCheckpoint, type CheckpointTensor } from './testing/index.js';

const cfg = TINY_LLAMA;
const ids = [[1, 5, 9, 33, 7, 2, 11]];
let cpu: Backend;
let gpu: WebGpuBackend;
const dirs: string[] = [];
const host = randomHostWeights(cfg, 3);
const tensors = (): CheckpointTensor[] => LLAMA_LAYOUT.tensors(cfg).map((t) => ({ name: t.name, shape: t.shape, data: Float32Array.from(host.get(t.name)!) }));

async function writeDir(dtype: 'f32' | 'f16' | 'bf16', ts = tensors()): Promise<string> {
  const dir = tempModelDir();
  dirs.push(dir);
  await writeHfCheckpoint(dir, ts, { format: 'safetensors', dtype, config: tinyHfConfig(cfg) });
  return dir;
}

beforeAll(async () => {
  cpu = createCpuBackend();
  setBackend(cpu);
  gpu = await createWebGpuBackend();
});
afterAll(() => {
  gpu?.dispose();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const dtypes = (m: { weights(): ReadonlyMap<string, { rank: number; dtype: string }> }) => [...new Set([...m.weights().values()].map((t) => `${t.rank}:${t.dtype}`))].sort();

describe('backbone-llama: --dtype', () => {
  it('auto: an f16 checkpoint loads in f16 on WebGPU (norms f32), with the same logits as f32 on the CPU', async () => {
    const dir = await writeDir('f16');
    const choices: WeightDTypeChoice[] = [];
    const m16 = await llama.loadModel({ modelDir: dir }, { backend: gpu, onDType: (c) => choices.push(c) });
    expect(choices).toHaveLength(1);
    expect(choices[0].dtype).toBe('f16');
    expect(choices[0].reason).toMatch(/auto: checkpoint stored in f16, webgpu has shader-f16/);
    expect(dtypes(m16)).toEqual(['1:f32', '2:f16']);
    const m32 = await llama.loadModel({ modelDir: dir }, { backend: cpu, onDType: (c) => choices.push(c) });
    expect(choices[1].dtype).toBe('f32');
    expect(dtypes(m32)).toEqual(['1:f32', '2:f32']);
    // the f16 checkpoint's values are exact in both: only the accumulation differs
    expect(worstRatio(await logitsOf(m16, ids), await logitsOf(m32, ids), 1e-3, 1e-4)).toBeLessThanOrEqual(1);
    m16.dispose();
    m32.dispose();
  });

  it('auto keeps an f32 checkpoint in f32 on WebGPU; --dtype f16 on the CPU tracks f16 (widened)', async () => {
    // values off the f16 grid (the host weights are f16-exact)
    const off = tensors().map((t) => ({ ...t, data: t.data.map((v, i) => v + 1e-4 * Math.sin(i + 0.5)) }));
    const dir = await writeDir('f32', off);
    const m = await llama.loadModel({ modelDir: dir }, { backend: gpu });
    expect(dtypes(m)).toEqual(['1:f32', '2:f32']);
    m.dispose();
    const w = await llama.loadModel({ modelDir: dir }, { backend: cpu, dtype: 'f16' });
    expect(dtypes(w)).toEqual(['1:f32', '2:f16']);
    const name = 'model.layers.0.mlp.up_proj.weight';
    const got = await w.weights().get(name)!.data();
    const ref = off.find((t) => t.name === name)!.data;
    expect(Array.from(got)).not.toEqual(Array.from(ref));
    for (let i = 0; i < got.length; i++) expect(Math.abs(got[i] - ref[i])).toBeLessThanOrEqual(Math.abs(ref[i]) * 2 ** -11 + 2 ** -25);
    w.dispose();
  });

  it('bf16: converted to f16 when in range; a value beyond ±65504 is an error naming the file and tensor', async () => {
    const ok = await llama.loadModel({ modelDir: await writeDir('bf16') }, { backend: gpu });
    expect(dtypes(ok)).toEqual(['1:f32', '2:f16']);
    ok.dispose();
    const ts = tensors();
    const bad = ts.find((t) => t.name === 'model.layers.1.self_attn.o_proj.weight')!;
    bad.data[5] = 1e5;
    bad.data[9] = -3e6;
    const dir = await writeDir('bf16', ts);
    const err = await llama.loadModel({ modelDir: dir }, { backend: gpu }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FormatError);
    expect(String((err as Error).message)).toMatch(/model\.safetensors.*tensor 'model\.layers\.1\.self_attn\.o_proj\.weight' \[\d+,\d+\] has 2 values outside the f16 range.*first: 99840 at \[0, 5\].*--dtype f32/s);
    // and with --dtype f32 it loads
    const f32 = await llama.loadModel({ modelDir: dir }, { backend: gpu, dtype: 'f32' });
    expect(dtypes(f32)).toEqual(['1:f32', '2:f32']);
    f32.dispose();
  });
});
