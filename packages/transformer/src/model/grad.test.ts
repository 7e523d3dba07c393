import { describe, expect, it } from 'vitest';
import { crossEntropy, tensor, tidy, valueAndGrads, zeros, type Hook, type Tensor, type WeightRef } from '@crossedit/core';
import { addAtHook, addHook, captureHook } from './hooks.js';
import type { LlamaModel } from './llama.js';
import { TINY, expectClose, tinyModel } from './testing/setup.js';

const rows = [
  [0, 0, 12, 4, 33, 9],
  [7, 3, 18, 2, 45, 30],
];
const mask = [
  [0, 0, 1, 1, 1, 1],
  [1, 1, 1, 1, 1, 1],
];
const targets = [
  [0, 0, 4, 33, 9, 2],
  [3, 18, 2, 45, 30, 8],
];

/** Masked next-token cross-entropy of the padded batch (a scalar). */
function loss(model: LlamaModel, hooks: Hook[] = []): Tensor {
  const ids = tensor(Int32Array.from(rows.flat()), [2, 6], { dtype: 'i32' });
  const m = tensor(mask.flat(), [2, 6]);
  const logits = model.forward(ids, { attentionMask: m, hooks }).logits!;
  return crossEntropy(logits, tensor(Int32Array.from(targets.flat()), [2, 6], { dtype: 'i32' }), m);
}

async function value(f: () => Tensor): Promise<number> {
  const t = tidy(f);
  const v = await t.item();
  t.dispose();
  return v;
}

const EPS = 1e-5;

describe('gradients through the network (central finite differences, float64 CPU)', () => {
  const refs: WeightRef[] = [
    { kind: 'embed' },
    { kind: 'attn.q', layer: 0 },
    { kind: 'attn.k', layer: 1 },
    { kind: 'attn.v', layer: 0 },
    { kind: 'attn.o', layer: 1 },
    { kind: 'mlp.gate', layer: 0 },
    { kind: 'mlp.up', layer: 1 },
    { kind: 'mlp.down', layer: 0 },
    { kind: 'norm.attn', layer: 1 },
    { kind: 'norm.mlp', layer: 0 },
    { kind: 'norm.final' },
    { kind: 'lmHead' },
  ];
  for (const normHead of [false, true]) {
    it(`w.r.t. every kind of parameter${normHead ? ' (NormHead)' : ''}`, async () => {
      const model = tinyModel({ ...TINY, normHead }, 5);
      for (const ref of refs) {
        const w = model.weight(ref);
        const { value: v, grads } = valueAndGrads(() => loss(model), [w]);
        const g = await grads[0].data();
        v.dispose();
        grads[0].dispose();
        const host = Float64Array.from(await w.data());
        // a few entries with the largest gradients, and one arbitrary entry
        const order = Array.from(g.keys()).sort((a, b) => Math.abs(g[b]) - Math.abs(g[a]));
        const picks = [order[0], order[1], order[2], Math.floor(host.length / 3)];
        const fd: number[] = [];
        for (const i of picks) {
          const at = (d: number) => {
            const h = host.slice();
            h[i] += d;
            model.setWeight(ref, tensor(h, w.shape));
            return value(() => loss(model)).finally(() => model.setWeight(ref, w).dispose());
          };
          fd.push(((await at(EPS)) - (await at(-EPS))) / (2 * EPS));
        }
        expect(model.weight(ref)).toBe(w);
        expect(Math.abs(g[order[0]]), `${ref.kind} gradient is not trivially zero`).toBeGreaterThan(1e-4);
        expectClose(picks.map((i) => g[i]), fd, 1e-5, 1e-8, `${ref.kind}${'layer' in ref ? ref.layer : ''}`);
      }
      model.dispose();
    });
  }

  it('w.r.t. a vector added by addAtHook (ROME δ), every component', async () => {
    const model = tinyModel(TINY, 6);
    const D = TINY.hiddenSize;
    const base = Array.from({ length: D }, (_, i) => 0.1 * Math.cos(i));
    const vec = tensor(base);
    const hook = (v: Tensor) => addAtHook({ kind: 'mlp', layer: 0 }, [0, 1], [3, 1], v);
    const { value: val, grads } = valueAndGrads(() => loss(model, [hook(vec)]), [vec]);
    const g = Array.from(await grads[0].data());
    val.dispose();
    grads[0].dispose();
    const fd: number[] = [];
    for (let i = 0; i < D; i++) {
      const at = (d: number) => value(() => loss(model, [hook(tensor(base.map((x, j) => (j === i ? x + d : x))))]));
      fd.push(((await at(EPS)) - (await at(-EPS))) / (2 * EPS));
    }
    expect(Math.max(...g.map(Math.abs))).toBeGreaterThan(1e-4);
    expectClose(g, fd, 1e-5, 1e-8);
    vec.dispose();
    model.dispose();
  });

  it("w.r.t. a module output (MEND's δ) and the weight gradient as δᵀx", async () => {
    const model = tinyModel(TINY, 8);
    const ref = { kind: 'mlp.gate', layer: 1 } as const;
    const z = zeros([2, 6, TINY.intermediateSize]);
    let x: Tensor | undefined;
    const w = model.weight(ref);
    const { value: val, grads } = valueAndGrads(() => loss(model, [captureHook(ref, 'input', (t) => (x = t)), addHook(ref, z)]), [z, w]);
    const delta = await grads[0].data();
    const gw = await grads[1].data();
    // FD on a few entries of z
    const picks = [5, 77, 6 * TINY.intermediateSize + 3, 11 * TINY.intermediateSize + 20];
    const fd: number[] = [];
    for (const i of picks) {
      const at = async (d: number) => {
        const h = new Float64Array(z.size);
        h[i] = d;
        return value(() => loss(model, [addHook(ref, tensor(h, z.shape))]));
      };
      fd.push(((await at(EPS)) - (await at(-EPS))) / (2 * EPS));
    }
    expectClose(picks.map((i) => delta[i]), fd, 1e-5, 1e-8, 'delta');
    // ∇W = Σ_tokens δ xᵀ
    const xs = await x!.data();
    const M = TINY.intermediateSize;
    const D = TINY.hiddenSize;
    const outer = new Float64Array(M * D);
    for (let t = 0; t < 12; t++) for (let o = 0; o < M; o++) for (let i = 0; i < D; i++) outer[o * D + i] += delta[t * M + o] * xs[t * D + i];
    expectClose(gw, outer, 1e-9, 1e-12, 'dW');
    [val, ...grads, x!, z].forEach((t) => t.dispose());
    model.dispose();
  });
});
