/**
 * SERAC inference on a batch of token rows: classifier similarities to every cached edit, the best
 * entry per row (`s*`), the counterfactual model on `prefix + x` aligned to the base positions, and the
 * soft mixture `log((1 − s*) · p_base + s* · p_cf + ε)` (EasyEdit `supervised: false`). All on the
 * device and differentiable with respect to the classifier and the counterfactual model; the choice of
 * entry (an argmax) is not.
 */
import { add, concat, equal, exp, log, logSoftmax, max, mul, neg, reshape, sliceAxis, square, sub, sum, tensor, div, zeros, type LanguageModel, type Tensor } from '@crossedit/core';
import type { ScopeClassifier } from './classifier.js';
import type { Counterfactual } from './counterfactual.js';
import type { MemoryEntry } from './memory.js';

/** float32 machine epsilon, the reference's ε. */
export const MIX_EPS = 1.1920928955078125e-7;

/** What {@link seracForward} returns. */
export interface SeracOutput {
  /** `[B, S, V]` log-probabilities of the mixture. */
  logMix: Tensor;
  /** `[B]` similarity of the chosen entry. */
  sStar: Tensor;
  /** `[B, S, D]` the base model's last hidden state. */
  hidden: Tensor;
}

/** `[B, C]` similarities `exp(−‖e(c) − e(x)‖²)` of rows `ids` (BOS and padding left out) to every entry. */
export function similarities(cls: ScopeClassifier, mem: readonly MemoryEntry[], ids: Tensor, mask: Tensor, hasBos: boolean): Tensor {
  const [b, s] = ids.shape;
  const be = ids.backend;
  const skip = new Float64Array(s).fill(1);
  if (hasBos) skip[0] = 0;
  const ex = cls.embedRows(ids, mul(mask, tensor(skip, [1, s], { backend: be }))); // [B, k]
  const ec = cls.embedEntries(mem); // [C, k]
  const k = ex.shape[1];
  const dist = sum(square(sub(reshape(ex, [b, 1, k]), reshape(ec, [1, mem.length, k]))), -1);
  return exp(neg(dist));
}

/**
 * Awaits the classifier's preparation of rows `ids` (host copies `hostIds`, `[B × S]`, real tokens
 * where `hostMask` is 1, BOS left out when `hasBos`, as {@link similarities} weighs them) and of the
 * memory `mem`: what must precede {@link similarities} and {@link seracForward} (a no-op for the bag).
 */
export async function prepareScope(cls: ScopeClassifier, mem: readonly MemoryEntry[], ids: Tensor, hostIds: ArrayLike<number>, hostMask: ArrayLike<number>, hasBos: boolean): Promise<void> {
  if (cls.arch.kind === 'bag') return;
  const s = ids.shape[1];
  const weights = Float64Array.from({ length: hostIds.length }, (_, i) => (hasBos && i % s === 0 ? 0 : hostMask[i] > 0 ? 1 : 0));
  await cls.prepareEntries(mem);
  await cls.prepareRows(ids, { ids: hostIds, weights });
}

/** Row-major host mask of right-padded rows of `lengths` in `cols` columns. */
export function lengthsMask(lengths: readonly number[], cols: number): Float64Array {
  const m = new Float64Array(lengths.length * cols);
  lengths.forEach((n, r) => m.fill(1, r * cols, r * cols + n));
  return m;
}

/** `log((1 − s) · p_base + s · p_cf + ε)`; `s` broadcasts against the probabilities. */
export function mixLogProbs(logBase: Tensor, pCf: Tensor, s: Tensor): Tensor {
  return log(add(add(mul(sub(1, s), exp(logBase)), mul(s, pCf)), MIX_EPS));
}

/**
 * The mixture on rows `ids` `[B, S]` (right-padded, `mask` 1 on real tokens, BOS first when `hasBos`) at
 * every position: what the wrapper model returns. One counterfactual pass per cached entry; each row
 * uses the pass of its most similar entry.
 */
export function seracForward(
  base: LanguageModel,
  cf: Counterfactual,
  cls: ScopeClassifier,
  mem: readonly MemoryEntry[],
  ids: Tensor,
  mask: Tensor,
  opts: { hasBos: boolean },
): SeracOutput {
  const [b, s] = ids.shape;
  const be = base.backend;
  const baseOut = base.forward(ids, { attentionMask: mask });
  const logBase = logSoftmax(baseOut.logits!);
  if (mem.length === 0) return { logMix: logBase, sStar: tensor(new Float64Array(b), [b], { backend: be }), hidden: baseOut.hidden };
  const c = mem.length;
  const sim = similarities(cls, mem, ids, mask, opts.hasBos);
  const onehot = equal(sim, max(sim, -1, true));
  const pick = div(onehot, sum(onehot, -1, true)); // ties split evenly
  const sStar = sum(mul(sim, pick), -1); // [B]
  // counterfactual: prefix + x (without its BOS), aligned so position i predicts what base position i does
  const xs = opts.hasBos ? sliceAxis(ids, 1, 1, s) : ids;
  const xm = opts.hasBos ? sliceAxis(mask, 1, 1, s) : mask;
  let pCf: Tensor | null = null;
  mem.forEach((m, j) => {
    const p = m.prefix.length;
    const pre = new Int32Array(b * p);
    for (let r = 0; r < b; r++) pre.set(m.prefix, r * p);
    const cfIds = concat([tensor(pre, [b, p], { dtype: 'i32', backend: be }), xs], 1);
    const cfMask = concat([tensor(new Float64Array(b * p).fill(1), [b, p], { backend: be }), xm], 1);
    const start = opts.hasBos ? p - 1 : p;
    const hn = cf.normHidden(cfIds, cfMask);
    const d = hn.shape[2];
    const q = reshape(sliceAxis(hn, 1, start, start + s), [b * s, d]);
    // the copy head points at the entry's tokens after the first, keyed by the hidden state before each
    const ptr = { keys: reshape(sliceAxis(sliceAxis(hn, 0, 0, 1), 1, 0, p - 1), [p - 1, d]), bias: zeros([1, p - 1], { backend: be }), tokens: Int32Array.from(m.prefix.slice(1)) };
    const probs = reshape(cf.probs(q, ptr), [b, s, base.config.vocabSize]);
    const part = c === 1 ? probs : mul(probs, reshape(sliceAxis(pick, 1, j, j + 1), [b, 1, 1]));
    pCf = pCf ? add(pCf, part) : part;
  });
  return { logMix: mixLogProbs(logBase, pCf!, reshape(sStar, [b, 1, 1])), sStar, hidden: baseOut.hidden };
}
