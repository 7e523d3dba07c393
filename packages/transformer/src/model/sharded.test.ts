/**
 * The network over row-sharded weights: under an artificial binding limit of 1 KiB the tiny model's
 * embedding, LM head and MLP matrices (and its logits, MLP activations and their gradients) are stored
 * as row shards. Logits, KV-cached decoding and the gradients of a loss with respect to every weight (what
 * FT trains through) must equal the unsharded float64 reference; on WebGPU within f32 tolerances.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crossEntropy, tensor, tidy, valueAndGrads, type Backend, type ModelConfig, type Tensor } from '@crossedit/core';
import { createCpuBackend } from '@crossedit/cpu';
import { createWebGpuBackend } from '@crossedit/webgpu';
import { LlamaModel } from './llama.js';
import { TINY, cpuBackend, expectClose, hostWeights, tinyModel } from './testing/setup.js';

const LIMIT = 1024;
const rows = [
  [0, 0, 12, 4, 33, 9, 21],
  [7, 3, 18, 2, 45, 30, 11],
];
const mask = [
  [0, 0, 1, 1, 1, 1, 1],
  [1, 1, 1, 1, 1, 0, 0],
];

let gpu: Backend;
beforeAll(async () => {
  gpu = await createWebGpuBackend({ maxBindingBytes: LIMIT });
});
afterAll(() => gpu?.dispose());

async function copyTo(model: LlamaModel, backend: Backend): Promise<LlamaModel> {
  const w = new Map<string, Tensor>();
  for (const [n, v] of await hostWeights(model)) w.set(n, tensor(v, model.weights().get(n)!.shape, { backend }));
  return new LlamaModel(model.config, w);
}

interface Run {
  logits: number[];
  logitShards: number;
  cached: number[];
  loss: number;
  grads: Map<string, number[]>;
  gradShards: Map<string, number>;
}

async function run(model: LlamaModel, be: Backend): Promise<Run> {
  const ids = tensor(Int32Array.from(rows.flat()), [2, 7], { backend: be, dtype: 'i32' });
  const m = tensor(mask.flat(), [2, 7], { backend: be });
  const tgt = tensor(Int32Array.from(rows.flat().map((x) => (x + 1) % 50)), [2, 7], { backend: be, dtype: 'i32' });
  const names = [...model.weights().keys()];
  const { value, grads } = valueAndGrads(() => crossEntropy(model.forward(ids, { attentionMask: m }).logits!, tgt, m), names.map((n) => model.weights().get(n)!));
  const l = tidy(() => model.forward(ids, { attentionMask: m }).logits!);
  const cache = model.createCache(2);
  const part = (a: number, b: number) => ({
    ids: tensor(Int32Array.from(rows.flatMap((r) => r.slice(a, b))), [2, b - a], { backend: be, dtype: 'i32' }),
    mask: tensor(mask.flatMap((r) => r.slice(a, b)), [2, b - a], { backend: be }),
  });
  tidy(() => {
    const p = part(0, 5);
    model.forward(p.ids, { attentionMask: p.mask, cache });
  });
  const c = tidy(() => {
    const p = part(5, 7);
    return model.forward(p.ids, { attentionMask: p.mask, cache }).logits!;
  });
  const out: Run = {
    logits: Array.from(await l.data()),
    logitShards: l.shards,
    cached: Array.from(await c.data()),
    loss: await value.item(),
    grads: new Map(),
    gradShards: new Map(),
  };
  for (let i = 0; i < names.length; i++) {
    out.grads.set(names[i], Array.from(await grads[i].data()));
    out.gradShards.set(names[i], grads[i].shards);
  }
  cache.dispose();
  [ids, m, tgt, value, l, c, ...grads].forEach((t) => t.dispose());
  return out;
}

const SHARDED = ['model.embed_tokens.weight', 'model.layers.0.mlp.gate_proj.weight', 'model.layers.1.mlp.up_proj.weight', 'model.layers.1.mlp.down_proj.weight'];

describe(`the tiny LLaMA over row-sharded weights (binding limit ${LIMIT} bytes)`, () => {
  for (const [name, cfg] of [
    ['GQA', TINY],
    ['tied embeddings (the LM head is the sharded embedding)', { ...TINY, numKvHeads: 4, tieEmbeddings: true } as ModelConfig],
    ['NormHead (row-normalised sharded LM head)', { ...TINY, normHead: true } as ModelConfig],
  ] as const) {
    it(`${name}: logits, cached decoding and every weight's gradient equal the unsharded reference`, async () => {
      const ref = tinyModel(cfg, 21);
      const limited = createCpuBackend({ maxBindingBytes: LIMIT });
      const sharded = await copyTo(ref, limited);
      const onGpu = await copyTo(ref, gpu);
      const w = sharded.weights();
      for (const n of [...SHARDED, ...(cfg.tieEmbeddings ? [] : ['lm_head.weight'])]) expect(w.get(n)!.shards, `${n} is sharded`).toBeGreaterThan(1);
      expect(w.get('model.layers.0.self_attn.k_proj.weight')!.shards).toBe(1);
      const want = await run(ref, cpuBackend());
      const got = await run(sharded, limited);
      const g = await run(onGpu, gpu);
      expect(want.logitShards).toBe(1);
      expect(got.logitShards).toBeGreaterThan(1);
      expect(g.logitShards).toBeGreaterThan(1);
      // padded query positions attend to nothing: compare real positions
      const v = cfg.vocabSize;
      const real = (xs: number[]) => xs.filter((_, i) => mask.flat()[Math.floor(i / v)] === 1);
      expectClose(got.logits, want.logits, 1e-10, 1e-10, 'sharded cpu logits');
      expectClose(got.cached.slice(0, 100), want.cached.slice(0, 100), 1e-10, 1e-10, 'sharded cpu cached decode');
      expect(got.loss).toBeCloseTo(want.loss, 10);
      const scale = Math.max(...want.logits.map(Math.abs));
      expectClose(real(g.logits), real(want.logits), 1e-4, 1e-4 * scale, 'webgpu sharded logits');
      expectClose(g.cached.slice(0, 100), want.cached.slice(0, 100), 1e-4, 1e-4 * scale, 'webgpu sharded cached decode');
      for (const [n, ref64] of want.grads) {
        const gs = Math.max(...ref64.map(Math.abs));
        expect(gs, `${n} has a gradient`).toBeGreaterThan(0);
        expectClose(got.grads.get(n)!, ref64, 1e-9, 1e-10 * gs, `sharded cpu d/d ${n}`);
        expectClose(g.grads.get(n)!, ref64, 1e-3, 1e-3 * gs, `webgpu sharded d/d ${n}`);
      }
      // the embedding's gradient (a scatter into [V, D]) comes back sharded like the weight
      expect(got.gradShards.get('model.embed_tokens.weight')).toBeGreaterThan(1);
      ref.dispose();
      sharded.dispose();
      onGpu.dispose();
      expect(limited.memory().storages, 'no storage leaks').toBe(0);
    });
  }
});
