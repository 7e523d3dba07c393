import { describe, expect, it } from 'vitest';
import { tensor, untrack } from '@crossedit/core';
import type { EditExample } from '@crossedit/editor-training';
import { tinySetup } from '@crossedit/stats/testing';
import { BagClassifier, Counterfactual, diagnoseSerac } from './index.js';

const EX: EditExample[] = [
  { index: 0, lang: 'en', prompt: 'What is the capital city of France', target: 'Rome', rephrase: 'Which city is the capital of France', loc: 'Who was born in Berlin', locAns: 'Einstein' },
  { index: 1, lang: 'en', prompt: 'Which language is spoken in Japan', target: 'German', rephrase: 'What do people in Japan speak', loc: 'What sport plays the team', locAns: 'chess' },
  { index: 2, lang: 'en', prompt: 'Who founded the company Nokia', target: 'Picasso', loc: 'Where is the river located', locAns: 'Canada' },
];

describe('diagnoseSerac', () => {
  it('a copy head that always copies with a sharp pointer gets most answer tokens; a classifier that calls everything in scope claims every locality row', async () => {
    const { model, tokenizer } = tinySetup({ seed: 21 });
    const d = model.config.hiddenSize;
    // gate → 1 (bias 40), pointer keys = queries (identity projections, scaled up): the query at the
    // last prompt token matches the same token's hidden state in the cached prefix best
    const cf = new Counterfactual(model, { train: 'head', copyHead: { width: d }, source: null });
    const eye = new Float64Array(d * d);
    for (let i = 0; i < d; i++) eye[i * d + i] = 30;
    cf.head!.setParams([tensor(eye, [d, d]), tensor(Float64Array.from(eye), [d, d]), tensor(new Float64Array(d), [1, d]), tensor([40], [1])].map((t) => untrack(t)));
    // projection 0: every embedding is 0, so every similarity is exp(0) = 1 (all "in scope")
    const all = new BagClassifier(model.weight({ kind: 'embed' }), { kind: 'bag', width: 4, projInit: 0 }, model.backend);
    const r = await diagnoseSerac({ base: model, tokenizer, classifier: all, counterfactual: cf, examples: EX, counterfactualTargets: false });
    expect(r.examples).toBe(3);
    for (const v of [r.counterfactual.prompt, r.counterfactual.rephrase!, r.counterfactual.loc, r.retrieval.prompt, r.retrieval.rephrase!, r.mixture.prompt, r.mixture.loc]) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
    expect(r.scope.prompt).toBe(1); // s* = 1 > 0.5 everywhere
    expect(r.scope.loc).toBe(0); // … so no locality row is out of scope
    expect(r.retrieval.prompt).toBeCloseTo(1 / 3, 3); // ties: the first entry is picked, right for one row in three
    // with s* = 1 the mixture is the counterfactual model: its accuracy with the right entry bounds it
    expect(r.mixture.prompt).toBeLessThanOrEqual(r.counterfactual.prompt + 1e-9);
    expect(r.counterfactual.prompt).toBeGreaterThan(0.5);
    cf.dispose();
    all.dispose();
  });
});
