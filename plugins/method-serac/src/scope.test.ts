import { describe, expect, it } from 'vitest';
import { gather, reshape, tensor, tidy } from '@crossedit/core';
import type { EditExample } from '@crossedit/editor-training';
import { tinySetup } from '@crossedit/stats/testing';
import { BagClassifier, scopeScores, trainScope } from './index.js';

const EX: EditExample[] = [
  { index: 0, lang: 'en', prompt: 'What is the capital city of France', target: 'Rome', rephrase: 'Which city is the capital of France', loc: 'Who was born in Berlin', locAns: 'Einstein' },
  { index: 1, lang: 'en', prompt: 'Which language is spoken in Japan', target: 'German', rephrase: 'What do people in Japan speak', loc: 'What sport plays the team', locAns: 'chess' },
  { index: 2, lang: 'en', prompt: 'Who founded the company Nokia', target: 'Picasso', rephrase: 'Who is the founder of Nokia', loc: 'Where is the river located', locAns: 'Canada' },
  { index: 3, lang: 'en', prompt: 'What is the capital city of Italy', target: 'Madrid', rephrase: 'Which city is the capital of Italy', loc: 'Who works for Apple', locAns: 'Newton' },
];

describe('scope classifier', () => {
  it("attention pooling is P · Σ softmax(θ)_t E[t] over the counted tokens; normalize gives rows of norm α", async () => {
    const { model } = tinySetup({ seed: 5 });
    const embed = model.weight({ kind: 'embed' });
    const [v, d] = embed.shape;
    const cls = new BagClassifier(embed, { kind: 'bag', width: 3, projInit: 2, pool: 'attn', normalize: true }, model.backend);
    const theta = Float64Array.from({ length: v }, (_, i) => Math.sin(i) * 2);
    const proj = Float64Array.from({ length: 3 * d }, (_, i) => Math.cos(i * 0.7));
    cls.setParams([tensor(theta, [v, 1]), tensor(proj, [3, d]), tensor([2.5], [1, 1])]);
    const ids = [7, 9, 11, 4];
    const w = [0, 1, 1, 1]; // the first token does not count
    const got = Float64Array.from(await tidy(() => cls.embedRows(tensor(Int32Array.from(ids), [1, 4], { dtype: 'i32' }), tensor(w, [1, 4]))).data());
    const e = Float64Array.from(await tidy(() => reshape(gather(embed, tensor(Int32Array.from(ids), [4], { dtype: 'i32' })), [4, d])).data());
    const a = ids.map((id, t) => w[t] * Math.exp(theta[id]));
    const z = a.reduce((x, y) => x + y, 0);
    const bag = Array.from({ length: d }, (_, j) => ids.reduce((acc, _id, t) => acc + (a[t] / z) * e[t * d + j], 0));
    const out = [0, 1, 2].map((k) => bag.reduce((acc, x, j) => acc + proj[k * d + j] * x, 0));
    const n = Math.hypot(...out);
    out.forEach((x, k) => expect(got[k]).toBeCloseTo((2.5 * x) / n, 5));
    cls.dispose();
  });

  it('the classifier-only phase lowers its loss and separates in-scope rows from locality rows', async () => {
    const { model, tokenizer } = tinySetup({ seed: 6 });
    const cls = new BagClassifier(model.weight({ kind: 'embed' }), { kind: 'bag', width: 16, projInit: 1, pool: 'attn' }, model.backend);
    const before = await scopeScores(cls, tokenizer, EX, { counterfactualTargets: false });
    const curve = await trainScope(cls, tokenizer, EX, { iters: 200, batchSize: 4, lr: 3e-2, seed: 1 }, { counterfactualTargets: false });
    expect(curve).toHaveLength(4);
    expect(curve[3]).toBeLessThan(curve[0]);
    const after = await scopeScores(cls, tokenizer, EX, { counterfactualTargets: false });
    expect(after.single.prompt.n).toBe(4);
    expect(after.single.rephrase.n).toBe(4);
    // trained: every prompt and paraphrase in scope of its own edit, every locality row out of all of them
    expect(after.single.prompt.above).toBe(1);
    expect(after.single.rephrase.above).toBe(1);
    expect(after.multi.loc.above).toBe(0);
    expect(after.multi.retrievalRephrase).toBe(1);
    expect(after.single.rephrase.mean).toBeGreaterThan(before.single.rephrase.mean);
    expect(after.multi.loc.mean).toBeLessThan(before.multi.loc.mean);
    cls.dispose();
  });
});
