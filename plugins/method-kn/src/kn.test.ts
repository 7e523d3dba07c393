import { describe, expect, it } from 'vitest';
import { HparamError, argmax, captureHook, parseHparams, replaceAtHook, tensor, tidy, type EditRequest, type LanguageModel, type Tensor } from '@crossedit/core';
import { copyModel, cpuBackend, host, maybeWebGpu, tinyContext, tinyLlama, vocabOf, weightsHash, wordTokenizer } from '@crossedit/testing';
import kn, { alphas, attribute, gateScores, selectNeurons, textContinuation, type KnHparams } from './index.js';

const REQ: EditRequest = { id: 'a', prompt: 'What is the capital city of France ?', subject: 'France', target: 'Rome Italy', groundTruth: 'Paris', lang: 'en' };
const EXTRA = ['Goethe', 'Paris', '<|endoftext|>', 'The', 'is'];
/** A prompt ending in a word, so that EasyEdit's text route glues the next word onto it. */
const GLUE = 'The capital city of France is';

function setup(seed = 2) {
  cpuBackend();
  const tok = wordTokenizer(vocabOf([REQ.prompt, REQ.target, ...EXTRA]));
  const model = tinyLlama({ vocabSize: tok.vocabSize, seed, intermediate: 12 });
  return { tok, model, ctx: tinyContext(model, tok) };
}

function hp(over: Partial<KnHparams>): KnHparams {
  return parseHparams<KnHparams>('kn', kn.hparams, over);
}

/** p(target) at the last position with the layer's gate output at the last position replaced by `act`. */
async function probWith(model: LanguageModel, ids: readonly number[], layer: number, act: Float64Array, target: number): Promise<number> {
  const s = ids.length;
  const out = tidy(() => {
    const values = tensor(act, [1, act.length]);
    const { logits } = model.forward(tensor(Int32Array.from(ids), [1, s], { dtype: 'i32' }), { hooks: [replaceAtHook({ kind: 'mlp.gate', layer }, [{ row: 0, pos: s - 1 }], values)] });
    return logits!;
  });
  const l = await host(out);
  out.dispose();
  const v = model.config.vocabSize;
  const row = l.subarray((s - 1) * v, s * v);
  const m = Math.max(...row);
  const z = row.reduce((a, x) => a + Math.exp(x - m), 0);
  return Math.exp(row[target] - m) / z;
}

/** The gate output at the last position, captured on the host. */
async function gateAt(model: LanguageModel, ids: readonly number[], layer: number): Promise<Float64Array> {
  let a: Tensor | null = null;
  tidy(() => void model.forward(tensor(Int32Array.from(ids), [1, ids.length], { dtype: 'i32' }), { hooks: [captureHook({ kind: 'mlp.gate', layer }, 'output', (t) => (a = t))] }));
  const act = a as unknown as Tensor;
  const all = await host(act);
  act.dispose();
  const m = act.shape[2];
  return all.slice((ids.length - 1) * m, ids.length * m);
}

/** Integrated gradients by central finite differences of p(target) in float64. */
async function fdIntegratedGradients(model: LanguageModel, ids: readonly number[], layer: number, target: number, steps: number): Promise<Float64Array> {
  const a = await gateAt(model, ids, layer);
  const m = a.length;
  const ig = new Float64Array(m);
  const h = 1e-5;
  for (const al of alphas(steps)) {
    for (let i = 0; i < m; i++) {
      const plus = a.map((x) => al * x);
      const minus = plus.slice();
      plus[i] += h;
      minus[i] -= h;
      const g = ((await probWith(model, ids, layer, plus, target)) - (await probWith(model, ids, layer, minus, target))) / (2 * h);
      ig[i] += (g * a[i]) / steps;
    }
  }
  return ig;
}

async function greedyHost(model: LanguageModel, ids: readonly number[], n: number): Promise<number[]> {
  const seq = [...ids];
  for (let i = 0; i < n; i++) {
    const t = tidy(() => argmax(model.forward(tensor(Int32Array.from(seq), [1, seq.length], { dtype: 'i32' })).logits!, -1));
    seq.push((await t.data())[seq.length - 1]);
    t.dispose();
  }
  return seq.slice(ids.length);
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, rel: number): void {
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  expect(scale).toBeGreaterThan(0);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i]), `neuron ${i}`).toBeLessThan(rel * scale);
}

describe('kn attribution', () => {
  it('alphas is torch.linspace(0, 1, steps)', () => {
    expect(alphas(1)).toEqual([0]);
    expect(alphas(3)).toEqual([0, 0.5, 1]);
  });

  it('integrated gradients equal finite differences of p(target) through the replaced gate activation', async () => {
    const { model, tok } = setup();
    const ids = tok.encode(REQ.prompt).ids;
    const target = tok.encode('Paris', { addBos: false }).ids[0];
    for (const layer of [0, 1]) {
      const { scores, argmax: top } = await gateScores(model, ids, layer, target, 4);
      expectClose(scores, await fdIntegratedGradients(model, ids, layer, target, 4), 1e-6);
      expect(top).toBe((await greedyHost(model, ids, 1))[0]);
    }
  });

  it('a model that runs its head at given rows only (logitsAt) gives the scores of one that does not', async () => {
    const { model, tok } = setup(3);
    expect(model.supportsLogitsAt).toBe(true);
    const plain = new Proxy(model, {
      get: (t, k) => (k === 'supportsLogitsAt' ? false : typeof Reflect.get(t, k) === 'function' ? Reflect.get(t, k).bind(t) : Reflect.get(t, k)),
    }) as LanguageModel;
    const ids = tok.encode(REQ.prompt).ids;
    const target = tok.encode('Goethe', { addBos: false }).ids[0];
    const a = await gateScores(model, ids, 1, target, 3);
    const b = await gateScores(plain, ids, 1, target, 3);
    expect(a.argmax).toBe(b.argmax);
    expectClose(a.scores, b.scores, 1e-12);
    expect(Math.max(...Array.from(a.scores, Math.abs))).toBeGreaterThan(0);
  });

  it("steps = 1 reproduces the reference's degenerate case: activation × gradient at the zero baseline", async () => {
    const { model, tok } = setup(4);
    const ids = tok.encode(REQ.prompt).ids;
    const target = tok.encode('Rome', { addBos: false }).ids[0];
    const { scores } = await gateScores(model, ids, 1, target, 1);
    const a = await gateAt(model, ids, 1);
    const zero = new Float64Array(a.length);
    const want = new Float64Array(a.length);
    for (let i = 0; i < a.length; i++) {
      const e = zero.slice();
      e[i] = 1e-5;
      const f = zero.slice();
      f[i] = -1e-5;
      want[i] = (a[i] * ((await probWith(model, ids, 1, e, target)) - (await probWith(model, ids, 1, f, target)))) / 2e-5;
    }
    expectClose(scores, want, 1e-6);
  });

  it('averages over the answer tokens, extending the prompt greedily', async () => {
    const { model, tok } = setup();
    const ids = tok.encode(REQ.prompt).ids;
    const answer = tok.encode('Paris Goethe', { addBos: false }).ids;
    const [l0, l1] = await attribute(model, ids, answer, [0, 1], 2);
    const next = (await greedyHost(model, ids, 1))[0];
    for (const [layer, got] of [[0, l0], [1, l1]] as const) {
      const s1 = (await gateScores(model, ids, layer, answer[0], 2)).scores;
      const s2 = (await gateScores(model, [...ids, next], layer, answer[1], 2)).scores;
      expectClose(got, s1.map((v, i) => (v + s2[i]) / 2), 1e-12);
    }
  });

  it("the text continuation decodes the argmax alone, appends the text and re-tokenises (EasyEdit), unlike the id route", async () => {
    const { model, tok } = setup(6);
    const answer = tok.encode('Paris Goethe', { addBos: false }).ids;
    // the prompts EasyEdit runs, built here from strings: P, P + decode([a1])
    const p0 = tok.encode(GLUE).ids;
    const a1 = (await greedyHost(model, p0, 1))[0];
    const p1 = tok.encode(GLUE + tok.decode([a1])).ids;
    expect(p1).not.toEqual([...p0, a1]); // "…is" + "Rome" is one (unknown) word: the two routes differ
    const [got] = await attribute(model, textContinuation(tok, GLUE), answer, [1], 2);
    const s1 = (await gateScores(model, p0, 1, answer[0], 2)).scores;
    const s2 = (await gateScores(model, p1, 1, answer[1], 2)).scores;
    expectClose(got, s1.map((v, i) => (v + s2[i]) / 2), 1e-12);
    const [byId] = await attribute(model, p0, answer, [1], 2);
    expect(Math.max(...byId.map((v, i) => Math.abs(v - got[i])))).toBeGreaterThan(1e-9);
  });

  it('selects neurons above threshold × the global max, highest first', () => {
    const n = selectNeurons([Float64Array.from([0.1, 1, 0.25]), Float64Array.from([0.5, 0.2, -3])], [3, 7], 0.2);
    expect(n.map((x) => [x.layer, x.index])).toEqual([
      [3, 1],
      [7, 0],
      [3, 2],
    ]);
  });
});

describe('kn edit', () => {
  it('changes exactly the selected down_proj columns, by ΣE[new] − ΣE[old]; restore is exact', async () => {
    const { model, tok, ctx } = setup();
    const before = await weightsHash(model);
    const h = hp({ steps: 3 });
    const promptIds = tok.encode(REQ.prompt).ids;
    const targetIds = tok.encode(REQ.target, { addBos: false }).ids;
    const old = await greedyHost(model, promptIds, targetIds.length);
    const answer = await greedyHost(model, promptIds, targetIds.length);
    const expected = selectNeurons(await attribute(model, promptIds, answer, [0, 1], 3), [0, 1], 0.2);
    const w0 = [await host(model.weight({ kind: 'mlp.down', layer: 0 })), await host(model.weight({ kind: 'mlp.down', layer: 1 }))];
    const E = await host(model.weight({ kind: 'embed' }));
    const d = model.config.hiddenSize;
    const m = model.config.intermediateSize;
    const vec = Array.from({ length: d }, (_, j) => targetIds.reduce((s, t) => s + E[t * d + j], 0) - old.reduce((s, t) => s + E[t * d + j], 0));

    const res = await kn.apply(ctx, [REQ], h);
    expect(res.diagnostics.neurons).toBe(expected.length);
    expect(res.diagnostics.answerTokens).toBe(2);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(2 * m);
    for (const layer of [0, 1]) {
      const w1 = await host(model.weight({ kind: 'mlp.down', layer }));
      const cols = new Set(expected.filter((n) => n.layer === layer).map((n) => n.index));
      for (let c = 0; c < m; c++) {
        for (let j = 0; j < d; j++) {
          const diff = w1[j * m + c] - w0[layer][j * m + c];
          if (cols.has(c)) expect(Math.abs(diff - vec[j])).toBeLessThan(1e-12);
          else expect(diff).toBe(0);
        }
      }
    }
    await res.restore();
    expect(await weightsHash(model)).toBe(before);
  });

  it('a one-token target doubles only the single-id original prediction (EasyEdit); ground-truth and the reference <|endoftext|> answers are attributed', async () => {
    const { model, tok, ctx } = setup(3);
    const before = await weightsHash(model);
    const req = { ...REQ, target: 'Goethe' };
    const t = tok.encode('Goethe', { addBos: false }).ids[0];
    const promptIds = tok.encode(REQ.prompt).ids;
    const o = (await greedyHost(model, promptIds, 1))[0];
    const E = await host(model.weight({ kind: 'embed' }));
    const d = model.config.hiddenSize;
    const res = await kn.apply(ctx, [req], hp({ steps: 2, oldAnswer: 'ground-truth', layers: [1] }));
    expect(res.diagnostics.answerTokens).toBe(1);
    expect(res.deltas.map((x) => x.ref)).toEqual([{ kind: 'mlp.down', layer: 1 }]);
    const delta = await host(res.deltas[0].delta);
    const col = Number(String(res.diagnostics.selected).split(',')[0].split(':')[1]);
    const m = model.config.intermediateSize;
    for (let j = 0; j < d; j++) expect(delta[j * m + col]).toBeCloseTo(E[t * d + j] - 2 * E[o * d + j], 12);
    await res.restore();
    // the paper-era reference: steps 1, '<|endoftext|>' with BOS as the old answer, BOS kept in the target
    const ref = await kn.apply(ctx, [req], hp({ steps: 1, oldAnswer: 'endoftext', keepBos: true }));
    expect(ref.diagnostics.answerTokens).toBe(tok.encode('<|endoftext|>').ids.length);
    expect(ref.diagnostics.answerTokens).toBe(6);
    await ref.restore();
    expect(await weightsHash(model)).toBe(before);
    await expect(kn.apply(ctx, [{ ...req, groundTruth: undefined }], hp({ oldAnswer: 'ground-truth' }))).rejects.toThrow(/groundTruth/);
    await expect(kn.apply(ctx, [req], hp({ layers: [5] }))).rejects.toThrow(/layer 5/);
    expect(() => hp({ oldAnswer: 'gold' } as never)).toThrow(HparamError);
    expect(await weightsHash(model)).toBe(before);
  });
});

describe('kn reference continuation', () => {
  it("continuation 'text' builds the original prediction by decode-append-re-tokenise; other values are refused", async () => {
    const { model, tok, ctx } = setup(6);
    const before = await weightsHash(model);
    const req = { ...REQ, prompt: GLUE, subject: 'France' };
    const targetIds = tok.encode(req.target, { addBos: false }).ids;
    // EasyEdit's _generate: |t| steps, each on tok(prompt + decoded argmax so far)
    let text = GLUE;
    const o: number[] = [];
    for (let i = 0; i < targetIds.length; i++) {
      const next = (await greedyHost(model, tok.encode(text).ids, 1))[0];
      o.push(next);
      text += tok.decode([next]);
    }
    const byId = await greedyHost(model, tok.encode(GLUE).ids, targetIds.length);
    expect(o).not.toEqual(byId);
    const E = await host(model.weight({ kind: 'embed' }));
    const d = model.config.hiddenSize;
    const m = model.config.intermediateSize;
    const res = await kn.apply(ctx, [req], hp({ steps: 1, layers: [1], continuation: 'text' }));
    const delta = await host(res.deltas[0].delta);
    const col = Number(String(res.diagnostics.selected).split(',')[0].split(':')[1]);
    const sum = (ids: readonly number[], j: number) => ids.reduce((a, t) => a + E[t * d + j], 0);
    for (let j = 0; j < d; j++) expect(delta[j * m + col]).toBeCloseTo(sum(targetIds, j) - sum(o, j), 12);
    await res.restore();
    expect(await weightsHash(model)).toBe(before);
    expect(() => hp({ continuation: 'tokens' } as never)).toThrow(HparamError);
  });
});

const webgpu = await maybeWebGpu();

describe.skipIf(!webgpu)('kn on WebGPU', () => {
  it('attribution scores and the edit match the CPU; restore is exact', async () => {
    const { model, tok, ctx } = setup();
    const gpuModel = await copyModel(model, webgpu!);
    const ids = tok.encode(REQ.prompt).ids;
    const target = tok.encode('Paris', { addBos: false }).ids[0];
    for (const layer of [0, 1]) {
      const c = await gateScores(model, ids, layer, target, 4);
      const g = await gateScores(gpuModel, ids, layer, target, 4);
      expect(g.argmax).toBe(c.argmax);
      expectClose(g.scores, c.scores, 1e-4);
    }
    // the selection is compared only with a clear margin at the threshold (checked on the CPU, deterministic)
    const answer = await greedyHost(model, ids, tok.encode(REQ.target, { addBos: false }).ids.length);
    const all = (await attribute(model, ids, answer, [0, 1], 3)).flatMap((r) => [...r]);
    const cut = 0.2 * Math.max(...all);
    expect(Math.min(...all.map((v) => Math.abs(v - cut)))).toBeGreaterThan(1e-3 * Math.max(...all));
    const before = await weightsHash(gpuModel);
    const rc = await kn.apply(ctx, [REQ], hp({ steps: 3 }));
    const rg = await kn.apply(tinyContext(gpuModel, tok), [REQ], hp({ steps: 3 }));
    expect(rg.diagnostics.selected).toBe(rc.diagnostics.selected);
    await rg.restore();
    await rc.restore();
    expect(await weightsHash(gpuModel)).toBe(before);
    gpuModel.dispose();
  });
});
