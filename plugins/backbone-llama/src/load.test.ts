/**
 * The generic LLaMA backbone on tiny random checkpoints written in HF's exact names and formats: safetensors
 * and PyTorch `.bin`, single and sharded, f32 and f16, with `rotary_emb.inv_freq` buffers. The loaded model's
 * logits must equal those of a model built directly from the same values (CPU, float64), and WebGPU's must
 * match the CPU's. Bad files give errors naming the file and tensor.
 */
import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setBackend, type Backend, type ModelConfig } from '@crossedit/core';
import { createCpuBackend } from '@crossedit/cpu';
import llama, { LLAMA_LAYOUT, loadLlamaFamily } from './index.js';
import {
  SHARED_DIR,
  TINY_LLAMA,
  atReal,
  logitsOf,
  modelFromHost,
  randomHostWeights,
  tempModelDir,
  tinyHfConfig,
  tryWebGpu,
  worstRatio,
  writeHfCheckpoint,
  type CheckpointTensor,
  type HostWeights,
} from './testing/index.js';

const cfg: ModelConfig = TINY_LLAMA;
const ids = [
  [1, 5, 9, 33, 7, 2, 11],
  [0, 0, 1, 17, 3, 39, 4],
];
const mask = [
  [1, 1, 1, 1, 1, 1, 1],
  [0, 0, 1, 1, 1, 1, 1],
];

let cpu: Backend;
let host: HostWeights;
let reference: Float64Array;
const dirs: string[] = [];

/** The checkpoint tensors of the plain LLaMA layout, plus the inv_freq buffers old transformers saved. */
function llamaTensors(h: HostWeights, c: ModelConfig): CheckpointTensor[] {
  const out: CheckpointTensor[] = LLAMA_LAYOUT.tensors(c).map((t) => ({ name: t.name, shape: t.shape, data: h.get(t.name)! }));
  const half = c.hiddenSize / c.numHeads / 2;
  for (let i = 0; i < c.numLayers; i++) {
    const inv = Float32Array.from({ length: half }, (_, j) => 1 / Math.pow(c.ropeBase, (2 * j) / (2 * half)));
    out.push({ name: `model.layers.${i}.self_attn.rotary_emb.inv_freq`, shape: [half], data: inv });
  }
  return out;
}

async function writeDir(opts: { format: 'safetensors' | 'bin'; shards: number; dtype?: 'f32' | 'f16'; tensors?: CheckpointTensor[]; config?: Record<string, unknown> }): Promise<string> {
  const dir = tempModelDir();
  dirs.push(dir);
  await writeHfCheckpoint(dir, opts.tensors ?? llamaTensors(host, cfg), { format: opts.format, shards: opts.shards, dtype: opts.dtype, config: opts.config ?? tinyHfConfig(cfg) });
  return dir;
}

beforeAll(async () => {
  cpu = createCpuBackend();
  setBackend(cpu);
  host = randomHostWeights(cfg, 7);
  const ref = modelFromHost(cfg, host, cpu);
  reference = await logitsOf(ref, ids, mask);
  ref.dispose();
});

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('backbone-llama: tiny random HF checkpoints', () => {
  for (const format of ['safetensors', 'bin'] as const) {
    for (const shards of [1, 3]) {
      for (const dtype of ['f32', 'f16'] as const) {
        it(`${format}, ${shards === 1 ? 'single file' : `${shards} shards`}, ${dtype}: logits equal the reference`, async () => {
          const dir = await writeDir({ format, shards, dtype });
          const progress: [number, number][] = [];
          const model = await llama.loadModel({ modelDir: dir }, { backend: cpu, onProgress: (d, t) => progress.push([d, t]) });
          expect(model.config).toEqual(cfg);
          expect(progress.length).toBe(LLAMA_LAYOUT.tensors(cfg).length);
          expect(progress.at(-1)![0]).toBe(progress.at(-1)![1]);
          const got = await logitsOf(model, ids, mask);
          expect(worstRatio(got, reference, 1e-12, 1e-12)).toBeLessThanOrEqual(1);
          // a weight read back equals the host value (names mapped, nothing transposed)
          expect(Array.from(await model.weight({ kind: 'mlp.down', layer: 1 }).data())).toEqual(Array.from(host.get('model.layers.1.mlp.down_proj.weight')!));
          model.dispose();
        });
      }
    }
  }

  it('applies config overrides and refuses configs the network cannot run', async () => {
    const dir = await writeDir({ format: 'safetensors', shards: 1 });
    const m = await llama.loadModel({ modelDir: dir }, { backend: cpu, config: { maxPositions: 16 } });
    expect(m.config.maxPositions).toBe(16);
    m.dispose();
    const bad = await writeDir({ format: 'safetensors', shards: 1, config: tinyHfConfig(cfg, { rope_scaling: { type: 'linear', factor: 2 } }) });
    await expect(loadLlamaFamily({ modelDir: bad }, { backend: cpu })).rejects.toThrow(/config\.json: 'rope_scaling' .* not supported/);
  });

  it('WebGPU logits equal the CPU reference', async (ctx) => {
    const { backend: gpu, why } = await tryWebGpu();
    if (!gpu) {
      console.warn(`[backbone-llama] WebGPU parity skipped: ${why}`);
      ctx.skip();
      return;
    }
    try {
      const dir = await writeDir({ format: 'bin', shards: 2, dtype: 'f16' });
      const model = await llama.loadModel({ modelDir: dir }, { backend: gpu });
      const got = await logitsOf(model, ids, mask);
      const v = cfg.vocabSize;
      expect(worstRatio(atReal(got, mask, v), atReal(reference, mask, v), 1e-3, 1e-4)).toBeLessThanOrEqual(1);
      model.dispose();
    } finally {
      gpu.dispose();
    }
  });
});

describe('backbone-llama: bad checkpoints name the file and tensor', () => {
  const without = (name: string) => llamaTensors(host, cfg).filter((t) => t.name !== name);

  it('missing tensor', async () => {
    const dir = await writeDir({ format: 'safetensors', shards: 2, tensors: without('model.layers.1.mlp.up_proj.weight') });
    await expect(llama.loadModel({ modelDir: dir }, { backend: cpu })).rejects.toThrow(
      /model\.safetensors\.index\.json: missing tensor 'model\.layers\.1\.mlp\.up_proj\.weight' \(expected \[24,16\].*similar: 'model\.layers\.0\.mlp\.up_proj\.weight'/,
    );
    const single = await writeDir({ format: 'bin', shards: 1, tensors: without('lm_head.weight') });
    await expect(llama.loadModel({ modelDir: single }, { backend: cpu })).rejects.toThrow(/pytorch_model\.bin: missing tensor 'lm_head\.weight'/);
  });

  it('wrong shape (names the shard file)', async () => {
    const ts = llamaTensors(host, cfg).map((t) => (t.name === 'model.layers.0.self_attn.k_proj.weight' ? { ...t, shape: [16, 8] } : t));
    const dir = await writeDir({ format: 'bin', shards: 2, tensors: ts });
    await expect(llama.loadModel({ modelDir: dir }, { backend: cpu })).rejects.toThrow(
      /pytorch_model-00001-of-00002\.bin: tensor 'model\.layers\.0\.self_attn\.k_proj\.weight' has shape \[16,8\], expected \[8,16\]/,
    );
  });

  it('a tensor foreign to the layout', async () => {
    const ts = [...llamaTensors(host, cfg), { name: 'model.layers.0.self_attn.W_pack.weight', shape: [48, 16], data: new Float32Array(48 * 16) }];
    const dir = await writeDir({ format: 'safetensors', shards: 1, tensors: ts });
    await expect(llama.loadModel({ modelDir: dir }, { backend: cpu })).rejects.toThrow(
      /model\.safetensors: unexpected tensor 'model\.layers\.0\.self_attn\.W_pack\.weight' \[48,16\]: not part of the 'llama' layout/,
    );
  });

  it('unreadable and unknown dtypes', async () => {
    const dir = await writeDir({ format: 'safetensors', shards: 1 });
    const file = nodePath.join(dir, 'model.safetensors');
    const original = readFileSync(file);
    const patch = (from: string, to: string) => {
      const buf = Buffer.from(original);
      const len = Number(buf.readBigUInt64LE(0));
      const header = buf.subarray(8, 8 + len).toString('latin1');
      const key = '"model.norm.weight":{"dtype":"F32"';
      expect(header.includes(key)).toBe(true);
      buf.write(header.replace(key, key.replace(`"${from}"`, `"${to}"`)), 8, 'latin1');
      writeFileSync(file, buf);
    };
    patch('F32', 'I32');
    await expect(llama.loadModel({ modelDir: dir }, { backend: cpu })).rejects.toThrow(/model\.safetensors: tensor 'model\.norm\.weight' has dtype i32; weights must be one of f32/);
    patch('F32', 'X32');
    await expect(llama.loadModel({ modelDir: dir }, { backend: cpu })).rejects.toThrow(/model\.safetensors: .*model\.norm\.weight.*unsupported dtype "X32"/);
  });

  it('corrupt header', async () => {
    const dir = await writeDir({ format: 'safetensors', shards: 1 });
    const file = nodePath.join(dir, 'model.safetensors');
    const buf = readFileSync(file);
    buf.writeBigUInt64LE(1n << 40n, 0);
    writeFileSync(file, buf);
    await expect(llama.loadModel({ modelDir: dir }, { backend: cpu })).rejects.toThrow(/model\.safetensors: safetensors header: length \d+ exceeds the file/);
    const bin = await writeDir({ format: 'bin', shards: 1 });
    const bfile = nodePath.join(bin, 'pytorch_model.bin');
    const b = readFileSync(bfile);
    writeFileSync(bfile, b.subarray(0, b.length - 30)); // cut into the end-of-central-directory record
    await expect(llama.loadModel({ modelDir: bin }, { backend: cpu })).rejects.toThrow(/pytorch_model\.bin: zip: /);
  });

  it('a pickle with a forbidden global, a truncated GGUF', async () => {
    const repo = fileURLToPath(new URL('../../../', import.meta.url));
    const malicious = nodePath.join(repo, 'packages/transformer/src/checkpoint/fixtures/malicious.bin');
    const dir = tempModelDir();
    dirs.push(dir);
    writeFileSync(nodePath.join(dir, 'config.json'), JSON.stringify(tinyHfConfig(cfg)));
    copyFileSync(malicious, nodePath.join(dir, 'pytorch_model.bin'));
    await expect(llama.loadModel({ modelDir: dir }, { backend: cpu })).rejects.toThrow(/pytorch_model\.bin: .*forbidden global '[\w.]+'/);
    const gguf = nodePath.join(SHARED_DIR, 'models/stories260k/stories260K.gguf');
    expect(existsSync(gguf), `${gguf} (../shared/models)`).toBe(true);
    const cut = nodePath.join(dir, 'cut.gguf');
    writeFileSync(cut, readFileSync(gguf).subarray(0, 4000)); // inside the tokenizer metadata
    await expect(llama.loadModel({ modelDir: cut }, { backend: cpu })).rejects.toThrow(/cut\.gguf: GGUF (header|metadata) .*(runs past the end of the file|remain in the file; truncated)/);
  });

  it('no model directory, no checkpoint, no config', async () => {
    await expect(llama.loadModel({}, { backend: cpu })).rejects.toThrow(/modelDir is required/);
    const empty = tempModelDir();
    dirs.push(empty);
    await expect(llama.loadModel({ modelDir: empty }, { backend: cpu })).rejects.toThrow(/no checkpoint in this directory/);
    const dir = await writeDir({ format: 'safetensors', shards: 1 });
    rmSync(nodePath.join(dir, 'config.json'));
    // without config.json nothing is guessed from the published LLaMA-2-7B config
    await expect(llama.loadModel({ modelDir: dir }, { backend: cpu })).rejects.toThrow(/config\.json: the model directory has no config\.json/);
  });
});
