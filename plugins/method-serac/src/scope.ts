/**
 * The scope classifier on its own: its loss (the original SERAC's balanced BCE of the similarities), a
 * classifier-only training phase (cheap: no language-model pass), and the score distributions that show
 * how well it separates in-scope rows (an edit's prompt and paraphrase) from out-of-scope ones
 * (locality inputs, and other edits' rows).
 */
import { Adam, add, clipGradNorm, log, mul, sub, sum, tensor, tidy, untrack, valueAndGrads, Rng, type Backend, type Tensor, type Tokenizer } from '@crossedit/core';
import { collate, disposeBatch, editRow, rotateTargets, type EditExample, type Row } from '@crossedit/editor-training';
import type { ScopeClassifier } from './classifier.js';
import { memoryEntry, type MemoryEntry } from './memory.js';
import { lengthsMask, MIX_EPS, prepareScope, similarities } from './mixture.js';

/**
 * Balanced BCE of similarities `sim` `[R, C]`: row r against its own entry `owner[r]` is in scope (the first
 * `editRows` rows only); against every other entry, and for every later (locality) row against all
 * entries, out of scope. An entry with the very same classifier context as the row's own is neither.
 * Positives and negatives are weighted equally.
 */
export function scopeLoss(sim: Tensor, owner: readonly number[], editRows: number, mem: readonly MemoryEntry[], backend: Backend): Tensor {
  const [r, c] = sim.shape;
  const pos = new Float64Array(r * c);
  const neg = new Float64Array(r * c);
  for (let row = 0; row < r; row++) {
    for (let k = 0; k < c; k++) {
      const own = k === owner[row];
      const same = !own && row < editRows && mem[k].ctxIds.join() === mem[owner[row]].ctxIds.join();
      if (row < editRows && own) pos[row * c + k] = 1;
      else if (!same) neg[row * c + k] = 1;
    }
  }
  const np = pos.reduce((a, v) => a + v, 0);
  const nn = neg.reduce((a, v) => a + v, 0);
  const lp = mul(sum(mul(log(add(sim, MIX_EPS)), tensor(pos, [r, c], { backend }))), -1 / Math.max(1, np));
  const ln = mul(sum(mul(log(add(sub(1, sim), MIX_EPS)), tensor(neg, [r, c], { backend }))), -1 / Math.max(1, nn));
  return add(lp, ln);
}

/** The classifier rows of a batch of examples: prompts, paraphrases (when present), locality inputs. */
export function scopeRows(tok: Tokenizer, ex: readonly EditExample[]): { rows: Row[]; owner: number[]; kind: ('prompt' | 'rephrase' | 'loc')[]; mem: MemoryEntry[] } {
  const rows: Row[] = [];
  const owner: number[] = [];
  const kind: ('prompt' | 'rephrase' | 'loc')[] = [];
  const push = (r: Row, i: number, k: 'prompt' | 'rephrase' | 'loc') => {
    rows.push(r);
    owner.push(i);
    kind.push(k);
  };
  ex.forEach((e, i) => push(editRow(tok, e.prompt, e.target), i, 'prompt'));
  ex.forEach((e, i) => e.rephrase && push(editRow(tok, e.rephrase, e.target), i, 'rephrase'));
  ex.forEach((e, i) => push(editRow(tok, e.loc, e.locAns), i, 'loc'));
  const mem = ex.map((e, i) => memoryEntry(tok, { id: `s${i}`, prompt: e.prompt, target: e.target }));
  return { rows, owner, kind, mem };
}

/** Schedule of {@link trainScope}. */
export interface ScopeSchedule {
  /** Classifier-only iterations (0: none). */
  iters: number;
  /** Examples per iteration (each brings its prompt, paraphrase and locality rows; the others' entries are its negatives). */
  batchSize: number;
  lr: number;
  seed: number;
}

/**
 * Trains the classifier alone on {@link scopeLoss} (in-batch negatives), on rotated targets when
 * `counterfactualTargets` — the phase that precedes end-to-end training. Returns the loss curve
 * (one mean per 50 iterations).
 */
export async function trainScope(cls: ScopeClassifier, tok: Tokenizer, examples: readonly EditExample[], s: ScopeSchedule, o: { counterfactualTargets: boolean; onProgress?: (iter: number, loss: number) => void }): Promise<number[]> {
  if (s.iters <= 0 || examples.length === 0) return [];
  const ex = o.counterfactualTargets ? rotateTargets(examples) : [...examples];
  const rng = new Rng(s.seed * 7919 + 17);
  const order = Array.from({ length: ex.length }, (_, i) => i);
  const shuffle = () => {
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
  };
  shuffle();
  const adam = new Adam({ lr: s.lr });
  const hasBos = tok.special.bos !== null;
  const pad = tok.special.pad ?? tok.special.eos ?? 0;
  const be = cls.backend;
  const curve: number[] = [];
  let acc = 0;
  let at = 0;
  try {
    for (let it = 0; it < s.iters; it++) {
      if (at + s.batchSize > order.length) {
        shuffle();
        at = 0;
      }
      const batch = order.slice(at, at + s.batchSize).map((i) => ex[i]);
      at += s.batchSize;
      const sr = scopeRows(tok, batch);
      const b = collate(sr.rows, pad, be);
      const editRows = sr.kind.filter((k) => k !== 'loc').length;
      try {
        await prepareScope(cls, sr.mem, b.ids, b.host.ids, lengthsMask(b.host.lengths, b.cols), hasBos);
        const { value, grads } = valueAndGrads(() => scopeLoss(similarities(cls, sr.mem, b.ids, b.mask, hasBos), sr.owner, editRows, sr.mem, be), cls.params());
        const loss = await value.item();
        value.dispose();
        const clipped = tidy(() => clipGradNorm(grads, 100).grads.map((g) => untrack(g)));
        for (const g of grads) g.dispose();
        if (Number.isFinite(loss)) cls.setParams(adam.step(cls.params(), clipped));
        for (const g of clipped) g.dispose();
        acc += loss;
        if ((it + 1) % 50 === 0) {
          curve.push(acc / 50);
          o.onProgress?.(it + 1, acc / 50);
          acc = 0;
        }
      } finally {
        disposeBatch(b);
      }
    }
  } finally {
    adam.dispose();
  }
  return curve;
}

/** Summary of a list of scores. */
export interface ScoreSummary {
  n: number;
  mean: number;
  p10: number;
  p50: number;
  p90: number;
  /** Share above 0.5. */
  above: number;
}

function summary(xs: number[]): ScoreSummary {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => (s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN);
  const r = (v: number) => Math.round(v * 1e4) / 1e4;
  return { n: s.length, mean: r(s.reduce((a, v) => a + v, 0) / Math.max(1, s.length)), p10: r(q(0.1)), p50: r(q(0.5)), p90: r(q(0.9)), above: r(s.filter((v) => v > 0.5).length / Math.max(1, s.length)) };
}

/** {@link scopeScores}' result. */
export interface ScopeScores {
  /** One edit in memory (as the evaluator's single edits): s of each row against its own example's entry. */
  single: { prompt: ScoreSummary; rephrase: ScoreSummary; loc: ScoreSummary };
  /** Every example's edit in memory at once: s* of each row, and whether the closest entry is its own. */
  multi: { prompt: ScoreSummary; rephrase: ScoreSummary; loc: ScoreSummary; retrievalPrompt: number; retrievalRephrase: number };
}

/**
 * The classifier's similarities on `examples` (rotated targets when `counterfactualTargets`), `chunk` rows
 * at a time: in scope (prompt, paraphrase) against out of scope (locality), with one edit and with all
 * of them in memory.
 */
export async function scopeScores(cls: ScopeClassifier, tok: Tokenizer, examples: readonly EditExample[], o: { counterfactualTargets: boolean; chunk?: number }): Promise<ScopeScores> {
  const ex = o.counterfactualTargets ? rotateTargets(examples) : [...examples];
  const sr = scopeRows(tok, ex);
  const hasBos = tok.special.bos !== null;
  const pad = tok.special.pad ?? tok.special.eos ?? 0;
  const be = cls.backend;
  const c = sr.mem.length;
  const chunk = o.chunk ?? 64;
  const single: Record<string, number[]> = { prompt: [], rephrase: [], loc: [] };
  const multi: Record<string, number[]> = { prompt: [], rephrase: [], loc: [] };
  const hits: Record<string, number[]> = { prompt: [], rephrase: [] };
  for (let at = 0; at < sr.rows.length; at += chunk) {
    const b = collate(sr.rows.slice(at, at + chunk), pad, be);
    await prepareScope(cls, sr.mem, b.ids, b.host.ids, lengthsMask(b.host.lengths, b.cols), hasBos);
    const t = tidy(() => similarities(cls, sr.mem, b.ids, b.mask, hasBos));
    const sim = await t.data();
    t.dispose();
    disposeBatch(b);
    for (let r = 0; r < b.rows; r++) {
      const row = at + r;
      const own = sr.owner[row];
      const k = sr.kind[row];
      let best = 0;
      for (let j = 1; j < c; j++) if (sim[r * c + j] > sim[r * c + best]) best = j;
      single[k].push(sim[r * c + own]);
      multi[k].push(sim[r * c + best]);
      if (k !== 'loc') hits[k].push(best === own ? 1 : 0);
    }
  }
  const rate = (xs: number[]) => Math.round((xs.reduce((a, v) => a + v, 0) / Math.max(1, xs.length)) * 1e4) / 1e4;
  return {
    single: { prompt: summary(single.prompt), rephrase: summary(single.rephrase), loc: summary(single.loc) },
    multi: { prompt: summary(multi.prompt), rephrase: summary(multi.rephrase), loc: summary(multi.loc), retrievalPrompt: rate(hits.prompt), retrievalRephrase: rate(hits.rephrase) },
  };
}
