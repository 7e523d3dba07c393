/**
 * SERAC's components measured separately on held-out examples, with every example's edit cached at
 * once (a multi-fact memory): the counterfactual model given the right entry (teacher-forced token
 * accuracy of the edit's answer), the scope classifier (does the closest entry belong to the row, is
 * s* > 0.5 for in-scope rows and < 0.5 for locality rows) and the mixture (token accuracy on edit rows,
 * argmax agreement with the base model on locality rows).
 */
import { argmax, gather, logSoftmax, reshape, tensor, tidy, type LanguageModel, type Tensor, type Tokenizer } from '@crossedit/core';
import { collate, disposeBatch, editRow, labelLogits, rotateTargets, type Batch, type EditExample, type Row } from '@crossedit/editor-training';
import { batchPointer, cfBatch, disposeCfBatch } from './cf-batch.js';
import type { ScopeClassifier } from './classifier.js';
import type { Counterfactual } from './counterfactual.js';
import { memoryEntry } from './memory.js';
import { lengthsMask, mixLogProbs, prepareScope, similarities } from './mixture.js';

/** Rates in [0, 1] per kind of row. */
export interface RowRates {
  prompt: number;
  rephrase: number | null;
  loc: number;
}

/** What {@link diagnoseSerac} measures. */
export interface SeracDiagnostics {
  examples: number;
  /** Counterfactual model with the right entry: mean token accuracy of the answer (loc: of the base's answer). */
  counterfactual: RowRates;
  /** The closest entry is the row's own (edit rows). */
  retrieval: Omit<RowRates, 'loc'>;
  /** s* > 0.5 (edit rows: in scope; `loc`: share of locality rows with s* < 0.5, i.e. correctly out of scope). */
  scope: RowRates;
  /** The mixture: token accuracy of the answer (edit rows), argmax agreement with the base (`loc`). */
  mixture: RowRates;
}

interface Kind {
  name: keyof RowRates;
  rows: Row[];
  owner: number[];
}

async function hostArgmax(t: Tensor): Promise<Int32Array | Float32Array | Float64Array> {
  const a = argmax(t, -1);
  const v = await a.data();
  a.dispose();
  return v as Int32Array;
}

/** Per-row mean of `hit` over each row's label positions. */
function perRow(b: Batch, hit: (i: number) => boolean): number[] {
  const h = new Array(b.rows).fill(0);
  const n = new Array(b.rows).fill(0);
  b.host.selRow.forEach((r, i) => {
    n[r]++;
    if (hit(i)) h[r]++;
  });
  return h.map((x, r) => (n[r] ? x / n[r] : 0));
}

/**
 * Measures the components on `examples` (edits to their rotated targets when `counterfactualTargets`,
 * as training asks), `chunk` rows at a time.
 */
export async function diagnoseSerac(o: {
  base: LanguageModel;
  tokenizer: Tokenizer;
  classifier: ScopeClassifier;
  counterfactual: Counterfactual;
  examples: readonly EditExample[];
  counterfactualTargets: boolean;
  chunk?: number;
}): Promise<SeracDiagnostics> {
  const tok = o.tokenizer;
  const ex = o.counterfactualTargets ? rotateTargets(o.examples) : o.examples;
  const mem = ex.map((e, i) => memoryEntry(tok, { id: `d${i}`, prompt: e.prompt, target: e.target }));
  const hasBos = tok.special.bos !== null;
  const pad = tok.special.pad ?? tok.special.eos ?? 0;
  const be = o.base.backend;
  const kinds: Kind[] = [
    { name: 'prompt', rows: ex.map((e) => editRow(tok, e.prompt, e.target)), owner: ex.map((_, i) => i) },
    { name: 'rephrase', rows: [], owner: [] },
    { name: 'loc', rows: ex.map((e) => editRow(tok, e.loc, e.locAns)), owner: ex.map((_, i) => i) },
  ];
  ex.forEach((e, i) => {
    if (!e.rephrase) return;
    kinds[1].rows.push(editRow(tok, e.rephrase, e.target));
    kinds[1].owner.push(i);
  });
  const sums = { counterfactual: {} as Record<string, number[]>, retrieval: {} as Record<string, number[]>, scope: {} as Record<string, number[]>, mixture: {} as Record<string, number[]> };
  const push = (m: keyof typeof sums, k: string, v: number) => (sums[m][k] ??= []).push(v);
  const chunk = o.chunk ?? 16;
  for (const kind of kinds) {
    for (let at = 0; at < kind.rows.length; at += chunk) {
      const rows = kind.rows.slice(at, at + chunk);
      const owner = kind.owner.slice(at, at + chunk);
      const b = collate(rows, pad, be);
      const c = mem.length;
      await prepareScope(o.classifier, mem, b.ids, b.host.ids, lengthsMask(b.host.lengths, b.cols), hasBos);
      const sim = await (async () => {
        const t = tidy(() => similarities(o.classifier, mem, b.ids, b.mask, hasBos));
        const v = await t.data();
        t.dispose();
        return v;
      })();
      const best = owner.map((_, r) => {
        let k = 0;
        for (let j = 1; j < c; j++) if (sim[r * c + j] > sim[r * c + k]) k = j;
        return k;
      });
      const sStar = best.map((k, r) => sim[r * c + k]);
      const cfProbs = (choice: number[]) => {
        const cb = cfBatch(b, mem, choice, hasBos, pad, be);
        const p = tidy(() => {
          const hn = o.counterfactual.normHidden(cb.ids, cb.mask);
          const q = gather(reshape(hn, [cb.rows * cb.cols, hn.shape[2]]), cb.sel);
          return o.counterfactual.probs(q, o.counterfactual.head ? batchPointer(cb, hn, b.host.selRow) : null);
        });
        disposeCfBatch(cb);
        return p;
      };
      const baseLogits = tidy(() => labelLogits(o.base, b));
      const basePred = await hostArgmax(baseLogits);
      const oracle = cfProbs(owner);
      const oraclePred = await hostArgmax(oracle);
      oracle.dispose();
      const chosen = cfProbs(best);
      const sPos = tensor(Float64Array.from(b.host.selRow, (r) => sStar[r]), [b.host.selRow.length, 1], { backend: be });
      const mix = tidy(() => mixLogProbs(logSoftmax(baseLogits), chosen, sPos));
      const mixPred = await hostArgmax(mix);
      for (const t of [chosen, sPos, mix, baseLogits]) t.dispose();
      const truth = kind.name === 'loc' ? (i: number) => basePred[i] : (i: number) => b.host.selTargets[i];
      perRow(b, (i) => oraclePred[i] === truth(i)).forEach((v) => push('counterfactual', kind.name, v));
      perRow(b, (i) => mixPred[i] === truth(i)).forEach((v) => push('mixture', kind.name, v));
      owner.forEach((own, r) => {
        if (kind.name !== 'loc') push('retrieval', kind.name, best[r] === own ? 1 : 0);
        push('scope', kind.name, kind.name === 'loc' ? (sStar[r] < 0.5 ? 1 : 0) : sStar[r] > 0.5 ? 1 : 0);
      });
      disposeBatch(b);
    }
  }
  const avg = (xs: number[] | undefined) => (xs && xs.length ? Math.round((xs.reduce((a, v) => a + v, 0) / xs.length) * 1e4) / 1e4 : null);
  const rates = (m: keyof typeof sums): RowRates => ({ prompt: avg(sums[m].prompt) ?? 0, rephrase: avg(sums[m].rephrase), loc: avg(sums[m].loc) ?? 0 });
  const r = rates('retrieval');
  return { examples: ex.length, counterfactual: rates('counterfactual'), retrieval: { prompt: r.prompt, rephrase: r.rephrase }, scope: rates('scope'), mixture: rates('mixture') };
}
