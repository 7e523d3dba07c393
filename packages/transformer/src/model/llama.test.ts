import { describe, expect, it } from 'vitest';
import { memory, tensor, tidy, type ModelConfig, type Tensor } from '@crossedit/core';
import { LlamaModel } from './llama.js';
import { randomWeights } from './weights.js';
import { naiveForward } from './testing/naive.js';
import { TINY, atReal, cpuBackend, expectClose, hostWeights, nested3, tinyModel } from './testing/setup.js';

const ids2 = [
  [3, 17, 42, 8, 1, 29],
  [11, 0, 49, 23, 5, 7],
];

function ids(rows: number[][]): Tensor {
  return tensor(Int32Array.from(rows.flat()), [rows.length, rows[0].length], { dtype: 'i32' });
}

async function logitsOf(model: LlamaModel, rows: number[][], mask?: number[][]): Promise<number[][][]> {
  const l = tidy(() => model.forward(ids(rows), mask ? { attentionMask: tensor(mask.flat(), [rows.length, rows[0].length]) } : {}).logits!);
  const out = await nested3(l);
  l.dispose();
  return out;
}

describe('LlamaModel forward', () => {
  it('equals the naive float64 reference (GQA, 2 rows)', async () => {
    const model = tinyModel();
    const ref = naiveForward(TINY, await hostWeights(model), ids2);
    const got = await logitsOf(model, ids2);
    expectClose(got.flat(2), ref.logits.flat(2), 1e-10, 1e-10, 'logits');
    // the reference is not trivially equal to a constant
    expect(Math.max(...ref.logits.flat(2)) - Math.min(...ref.logits.flat(2))).toBeGreaterThan(1);
    model.dispose();
  });

  it('equals the naive reference for MHA, another rope base and tied embeddings', async () => {
    const cfg: ModelConfig = { ...TINY, numKvHeads: 4, ropeBase: 500, tieEmbeddings: true, rmsNormEps: 1e-6 };
    const model = tinyModel(cfg, 7);
    expect(model.weights().has('lm_head.weight')).toBe(false);
    expect(model.weight({ kind: 'lmHead' })).toBe(model.weight({ kind: 'embed' }));
    const ref = naiveForward(cfg, await hostWeights(model), ids2);
    expectClose((await logitsOf(model, ids2)).flat(2), ref.logits.flat(2), 1e-10, 1e-10);
    model.dispose();
  });

  it('uses explicit positions when given', async () => {
    const model = tinyModel();
    const pos = [
      [5, 6, 7, 8, 9, 10],
      [0, 2, 4, 6, 8, 10],
    ];
    const ref = naiveForward(TINY, await hostWeights(model), ids2, undefined, pos);
    const l = tidy(() => model.forward(ids(ids2), { positions: tensor(Int32Array.from(pos.flat()), [2, 6], { dtype: 'i32' }) }).logits!);
    expectClose((await nested3(l)).flat(2), ref.logits.flat(2), 1e-10, 1e-10);
    l.dispose();
    model.dispose();
  });

  it('left- and right-padded batches equal unpadded rows at real positions', async () => {
    const model = tinyModel();
    const a = [3, 17, 42, 8, 1, 29];
    const b = [11, 0, 49];
    const single = [await logitsOf(model, [a]), await logitsOf(model, [b])];
    for (const side of ['left', 'right'] as const) {
      const pad = (r: number[]) => (side === 'left' ? [...Array(6 - r.length).fill(0), ...r] : [...r, ...Array(6 - r.length).fill(0)]);
      const mpad = (r: number[]) => (side === 'left' ? [...Array(6 - r.length).fill(0), ...r.map(() => 1)] : [...r.map(() => 1), ...Array(6 - r.length).fill(0)]);
      const mask = [mpad(a), mpad(b)];
      const got = await logitsOf(model, [pad(a), pad(b)], mask);
      expectClose(atReal([got[0]], [mask[0]]), single[0][0].flat(), 1e-10, 1e-10, `${side} row 0`);
      expectClose(atReal([got[1]], [mask[1]]), single[1][0].flat(), 1e-10, 1e-10, `${side} row 1`);
      // and the naive reference with the same mask agrees too
      const ref = naiveForward(TINY, await hostWeights(model), [pad(a), pad(b)], mask);
      expectClose(atReal(got, mask), atReal(ref.logits, mask), 1e-10, 1e-10, `${side} vs naive`);
    }
    model.dispose();
  });

  it('GQA equals MHA with repeated key/value weights', async () => {
    const gqa = tinyModel();
    const cfg: ModelConfig = { ...TINY, numKvHeads: TINY.numHeads };
    const w = new Map<string, Tensor>();
    const host = await hostWeights(gqa);
    const dh = TINY.hiddenSize / TINY.numHeads;
    const g = TINY.numHeads / TINY.numKvHeads;
    for (const [n, v] of host) {
      if (/self_attn\.[kv]_proj/.test(n)) {
        // head h of MHA = kv head floor(h / g) of GQA: rows [kv*dh, (kv+1)*dh)
        const out = new Float64Array(TINY.hiddenSize * TINY.hiddenSize);
        for (let h = 0; h < TINY.numHeads; h++) {
          const kv = Math.floor(h / g);
          out.set(v.subarray(kv * dh * TINY.hiddenSize, (kv + 1) * dh * TINY.hiddenSize), h * dh * TINY.hiddenSize);
        }
        w.set(n, tensor(out, [TINY.hiddenSize, TINY.hiddenSize]));
      } else w.set(n, tensor(v, gqa.weights().get(n)!.shape));
    }
    const mha = new LlamaModel(cfg, w);
    const mask = [
      [0, 0, 1, 1, 1, 1],
      [1, 1, 1, 1, 1, 1],
    ];
    expectClose((await logitsOf(mha, ids2, mask)).flat(2), (await logitsOf(gqa, ids2, mask)).flat(2), 1e-11, 1e-11);
    gqa.dispose();
    mha.dispose();
  });

  it('normHead equals an unfused computation with pre-normalised lm_head rows', async () => {
    const cfg: ModelConfig = { ...TINY, normHead: true };
    const model = tinyModel(cfg, 3);
    const host = await hostWeights(model);
    const ref = naiveForward(cfg, host, ids2);
    expectClose((await logitsOf(model, ids2)).flat(2), ref.logits.flat(2), 1e-10, 1e-10, 'vs naive');
    // unfused: a plain model whose lm_head rows were normalised on the host
    const head = host.get('lm_head.weight')!;
    const d = TINY.hiddenSize;
    const normed = new Float64Array(head.length);
    for (let v = 0; v < TINY.vocabSize; v++) {
      const n = Math.hypot(...head.subarray(v * d, v * d + d));
      for (let j = 0; j < d; j++) normed[v * d + j] = head[v * d + j] / n;
    }
    const w = new Map<string, Tensor>([...host].map(([n, v]) => [n, tensor(n === 'lm_head.weight' ? normed : v, model.weights().get(n)!.shape)]));
    const plain = new LlamaModel(TINY, w);
    expectClose((await logitsOf(model, ids2)).flat(2), (await logitsOf(plain, ids2)).flat(2), 1e-11, 1e-11, 'vs unfused');
    // and normHead really changes the result
    const unnormed = new LlamaModel(TINY, new Map([...host].map(([n, v]) => [n, tensor(v, model.weights().get(n)!.shape)])));
    const diff = (await logitsOf(unnormed, ids2)).flat(2).map((v, i) => Math.abs(v - ref.logits.flat(2)[i]));
    expect(Math.max(...diff)).toBeGreaterThan(0.1);
    model.dispose();
    plain.dispose();
    unnormed.dispose();
  });

  it('stopAfterLayer returns the residual stream after that layer and no logits', async () => {
    const model = tinyModel();
    const ref = naiveForward(TINY, await hostWeights(model), ids2);
    const r = tidy(() => model.forward(ids(ids2), { stopAfterLayer: 0 }));
    expect(r.logits).toBeUndefined();
    expectClose((await nested3(r.hidden)).flat(2), ref.layerOut[0].flat(2), 1e-10, 1e-10);
    r.hidden.dispose();
    const full = tidy(() => model.forward(ids(ids2)));
    expectClose((await nested3(full.hidden)).flat(2), ref.layerOut[1].flat(2), 1e-10, 1e-10);
    full.hidden.dispose();
    full.logits!.dispose();
    expect(() => model.forward(ids(ids2), { stopAfterLayer: 2 })).toThrow(/stopAfterLayer 2 out of range/);
    model.dispose();
  });

  it('releases every intermediate tensor', async () => {
    const model = tinyModel();
    const before = memory().tensors;
    const r = tidy(() => {
      const x = ids(ids2);
      return model.forward(x, { attentionMask: tensor([0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0], [2, 6]) }).logits!;
    });
    expect(memory().tensors).toBe(before + 1);
    r.dispose();
    expect(memory().tensors).toBe(before);
    model.dispose();
  });
});

describe('LlamaModel weights', () => {
  it('names a missing tensor with its expected shape', () => {
    const be = cpuBackend();
    const w = randomWeights(TINY, { backend: be });
    w.get('model.layers.1.mlp.up_proj.weight')!.dispose();
    w.delete('model.layers.1.mlp.up_proj.weight');
    expect(() => new LlamaModel(TINY, w, { source: 'tiny.safetensors' })).toThrow(
      "tiny.safetensors: missing tensor 'model.layers.1.mlp.up_proj.weight' (expected shape [24,16])",
    );
  });

  it('names a wrong-shaped tensor with expected and actual shapes', () => {
    const be = cpuBackend();
    const w = randomWeights(TINY, { backend: be });
    w.set('model.layers.0.self_attn.k_proj.weight', tensor(new Float64Array(16 * 16), [16, 16]));
    expect(() => new LlamaModel(TINY, w)).toThrow("weights: tensor 'model.layers.0.self_attn.k_proj.weight' has shape [16,16], expected [8,16]");
  });

  it('rejects unexpected tensors and tolerates rotary inv_freq buffers', () => {
    const be = cpuBackend();
    const w = randomWeights(TINY, { backend: be });
    w.set('model.layers.0.self_attn.rotary_emb.inv_freq', tensor([1, 2]));
    expect(() => new LlamaModel(TINY, w).dispose()).not.toThrow();
    const w2 = randomWeights(TINY, { backend: be });
    w2.set('model.layers.0.self_attn.W_pack.weight', tensor(new Float64Array(48 * 16), [48, 16]));
    expect(() => new LlamaModel(TINY, w2)).toThrow("unexpected tensor 'model.layers.0.self_attn.W_pack.weight' [48,16]");
    const w3 = randomWeights({ ...TINY, tieEmbeddings: false }, { backend: be });
    expect(() => new LlamaModel({ ...TINY, tieEmbeddings: true }, w3)).toThrow(/lm_head.weight' was given but the config ties embeddings/);
  });

  it('rejects bad configs', () => {
    cpuBackend();
    expect(() => tinyModel({ ...TINY, numKvHeads: 3 })).toThrow('numHeads 4 is not a multiple of numKvHeads 3');
    expect(() => tinyModel({ ...TINY, hiddenSize: 18 })).toThrow(/not divisible by numHeads/);
  });

  it('setWeight swaps a weight and checks its shape; weight() addresses by ref', async () => {
    const model = tinyModel();
    const ref = { kind: 'mlp.down', layer: 1 } as const;
    const old = model.weight(ref);
    expect(model.weights().get('model.layers.1.mlp.down_proj.weight')).toBe(old);
    expect(() => model.setWeight(ref, tensor([1, 2, 3]))).toThrow("setWeight 'model.layers.1.mlp.down_proj.weight': got f32[3], expected f32[16,24]");
    const z = tensor(new Float64Array(16 * 24), [16, 24]);
    const before = await logitsOf(model, ids2);
    expect(model.setWeight(ref, z)).toBe(old);
    const after = await logitsOf(model, ids2);
    expect(after.flat(2)).not.toEqual(before.flat(2));
    model.setWeight(ref, old).dispose();
    expectClose((await logitsOf(model, ids2)).flat(2), before.flat(2), 0, 0);
    expect(() => model.weight({ kind: 'attn.q', layer: 2 })).toThrow(/layer 2 out of range/);
    model.dispose();
  });
});
