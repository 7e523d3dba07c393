import { describe, expect, it } from 'vitest';
import { exp, gather, matmul, reshape, rmsNorm, softmax, tensor, tidy, untrack, type Tensor } from '@crossedit/core';
import { collate, editRow, rotateTargets, type EditExample } from '@crossedit/editor-training';
import { tinySetup } from '@crossedit/stats/testing';
import { batchPointer, BagClassifier, cfBatch, Counterfactual, memoryEntry, seracForward, similarities } from './index.js';

async function host(t: Tensor): Promise<Float64Array> {
  return Float64Array.from(await t.data());
}

/** A counterfactual model with a copy head whose gate and projections are not at their initial values. */
function headed(seed: number) {
  const s = tinySetup({ seed });
  const d = s.model.config.hiddenSize;
  const cf = new Counterfactual(s.model, { train: 'head', copyHead: { width: 8 }, source: null });
  const h = cf.head!;
  const rnd = (n: number, k: number) => Float64Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + k) * 0.5);
  h.setParams([tensor(rnd(8 * d, 1), [8, d]), tensor(rnd(8 * d, 2), [8, d]), tensor(rnd(d, 3), [1, d]), tensor([0.3], [1])].map((t) => untrack(t)));
  return { ...s, cf };
}

describe('the copy head', () => {
  it('mixes (1 − g)·p_lm + g·Σ_j a_j·onehot(tok_j) with a_j = softmax((W_q q)·(W_k k_j)/√k)', async () => {
    const { model, tokenizer, cf } = headed(11);
    const d = model.config.hiddenSize;
    const v = model.config.vocabSize;
    const ids = tokenizer.encode('the capital city of France is Rome').ids;
    const x = tensor(Int32Array.from(ids), [1, ids.length], { dtype: 'i32' });
    const hn = await host(tidy(() => cf.normHidden(x, tensor(new Float64Array(ids.length).fill(1), [1, ids.length]))));
    const p = 4; // point at tokens 1..4, keyed by positions 0..3; query at the last position
    const q = hn.slice((ids.length - 1) * d, ids.length * d);
    const keys = hn.slice(0, p * d);
    const got = await host(tidy(() => cf.probs(tensor(q, [1, d]), { keys: tensor(keys, [p, d]), bias: tensor(new Float64Array(p), [1, p]), tokens: Int32Array.from(ids.slice(1, p + 1)) })));
    // reference on the host
    const [wq, wk, wg, bg] = await Promise.all(cf.head!.params().map(host));
    const proj = (w: Float64Array, vec: Float64Array) => Array.from({ length: 8 }, (_, r) => vec.reduce((a, xv, c) => a + w[r * d + c] * xv, 0));
    const qq = proj(wq, q);
    const sc = Array.from({ length: p }, (_, j) => proj(wk, keys.slice(j * d, (j + 1) * d)).reduce((a, kv, i) => a + kv * qq[i], 0) / Math.sqrt(8));
    const mx = Math.max(...sc);
    const z = sc.reduce((a, s) => a + Math.exp(s - mx), 0);
    const att = sc.map((s) => Math.exp(s - mx) / z);
    const g = 1 / (1 + Math.exp(-(q.reduce((a, xv, c) => a + xv * wg[c], 0) + bg[0])));
    const pLm = await host(tidy(() => softmax(matmul(tensor(q, [1, d]), model.weight({ kind: 'lmHead' }), { transB: true }))));
    const want = Float64Array.from(pLm, (pv) => (1 - g) * pv);
    att.forEach((a, j) => (want[ids[j + 1]] += g * a));
    for (let t = 0; t < v; t++) expect(got[t]).toBeCloseTo(want[t], 6);
    expect(got.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    cf.dispose();
  });

  it("training's batched pointer gives the inference path's mixture at the label positions", async () => {
    const { model, tokenizer, cf } = headed(12);
    const cls = new BagClassifier(model.weight({ kind: 'embed' }), { kind: 'bag', width: 16, projInit: 0.5 }, model.backend);
    const ex = [
      { prompt: 'Which language is spoken in Japan', target: 'German' },
      { prompt: 'Who founded the company Nokia', target: 'Picasso Curie' },
    ];
    const mem = ex.map((e, i) => memoryEntry(tokenizer, { id: `m${i}`, ...e }));
    const rows = [editRow(tokenizer, 'Who founded Nokia', 'Picasso Curie'), editRow(tokenizer, ex[0].prompt, ex[0].target)];
    const b = collate(rows, 0, model.backend);
    const choice = [1, 0];
    const cb = cfBatch(b, mem, choice, true, 0, model.backend);
    const d = model.config.hiddenSize;
    const train = await host(
      tidy(() => {
        const hn = cf.normHidden(cb.ids, cb.mask);
        return cf.probs(gather(reshape(hn, [cb.rows * cb.cols, d]), cb.sel), batchPointer(cb, hn, b.host.selRow));
      }),
    );
    // inference: each row alone with its entry as the only memory (s* then weighs p_cf)
    const v = model.config.vocabSize;
    for (let r = 0; r < 2; r++) {
      const one = collate([rows[r]], 0, model.backend);
      const m = [mem[choice[r]]];
      const out = await host(tidy(() => exp(seracForward(model, cf, cls, m, one.ids, one.mask, { hasBos: true }).logMix)));
      const s = (await host(tidy(() => similarities(cls, m, one.ids, one.mask, true))))[0];
      const pb = await host(tidy(() => softmax(model.forward(one.ids).logits!)));
      b.host.selRow.forEach((row, n) => {
        if (row !== r) return;
        const pos = b.host.sel[n] - r * b.cols;
        for (let t = 0; t < v; t += 5) {
          const mixed = (1 - s) * pb[pos * v + t] + s * train[n * v + t];
          expect(out[pos * v + t]).toBeCloseTo(mixed + 1.1920928955078125e-7, 6);
        }
      });
    }
    cls.dispose();
    cf.dispose();
  });

  it('rotates targets within a language, deterministically', () => {
    const e = (i: number, lang: string): EditExample => ({ index: i, lang, prompt: `q${i}`, target: `t${i}`, loc: 'l', locAns: 'a' });
    const r = rotateTargets([e(0, 'en'), e(1, 'zh'), e(2, 'en'), e(3, 'en'), e(4, 'zh'), e(5, 'de')]);
    expect(r.map((x) => x.target)).toEqual(['t2', 't4', 't3', 't0', 't1', 't5']);
    expect(r.map((x) => x.prompt)).toEqual(['q0', 'q1', 'q2', 'q3', 'q4', 'q5']);
  });
});
