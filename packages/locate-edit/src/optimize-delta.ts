/**
 * The target-vector optimisation shared by ROME (v*, on the MLP output) and MEMIT (z, on the residual
 * stream): a vector δ is added at the subject's last token of every row, and Adam minimises
 * NLL(target) + klFactor·KL(p_t ‖ p_0) on the KL prompt + weightDecay·‖δ‖/‖v0‖², with δ projected onto
 * the ball of radius clampNormFactor·‖v0‖ after every step.
 */
import {
  Adam,
  add,
  addAtHook,
  crossEntropy,
  detach,
  div,
  gather,
  keep,
  klDivLogits,
  logSoftmax,
  mul,
  sqrt,
  projectL2Ball,
  reshape,
  slice,
  square,
  sum,
  tensor,
  tidy,
  untrack,
  valueAndGrads,
  zeros,
  type Hook,
  type LanguageModel,
  type ModuleRef,
  type Tensor,
  type Tokenizer,
} from '@crossedit/core';
import { batchRows, type EditRow } from './rows.js';

/** Settings of {@link optimizeDelta}. */
export interface DeltaSettings {
  numSteps: number;
  lr: number;
  weightDecay: number;
  klFactor: number;
  clampNormFactor: number;
  earlyStopLoss: number;
}

/** The outcome of {@link optimizeDelta} (host vectors of the hidden width). */
export interface DeltaResult {
  /** The activation at row 0's lookup position before δ (ROME's v0, MEMIT's h). */
  v0: Float64Array;
  /** The optimised δ. */
  delta: Float64Array;
  /** v0 + δ: v* (ROME) or z (MEMIT). */
  target: Float64Array;
  /** Adam updates taken. */
  steps: number;
  /** Total loss per evaluated iteration. */
  losses: number[];
  /** The NLL term at the first and last evaluated iteration. */
  nllInitial: number;
  nllFinal: number;
  klFinal: number;
}

/**
 * Optimises δ added to the output of `ref` at each row's lookup position. `rows` carry the target
 * labels; `klRow` is the KL prompt (its lookup position gives p_t). The loss uses the model's logits
 * (the last layer).
 */
export async function optimizeDelta(
  model: LanguageModel,
  tok: Tokenizer,
  rows: readonly EditRow[],
  klRow: EditRow,
  ref: ModuleRef,
  hp: DeltaSettings,
): Promise<DeltaResult> {
  const backend = model.backend;
  const all = [...rows, klRow];
  const batch = batchRows(tok, all, backend);
  const s = batch.seqLen;
  const vocab = model.config.vocabSize;
  const sites = all.map((r, i) => ({ row: i, pos: r.lookup }));
  const labelPos: number[] = [];
  const labelIds: number[] = [];
  rows.forEach((r, i) =>
    r.labels.forEach(([pos, id]) => {
      labelPos.push(i * s + pos);
      labelIds.push(id);
    }),
  );
  if (labelPos.length === 0) throw new Error('optimizeDelta: no labelled positions');
  const kl = rows.length;
  const consts = {
    labelPos: untrack(tensor(Int32Array.from(labelPos), [labelPos.length], { backend, dtype: 'i32' })),
    labelIds: untrack(tensor(Int32Array.from(labelIds), [labelIds.length], { backend, dtype: 'i32' })),
    klPos: untrack(tensor(Int32Array.from([kl * s + klRow.lookup]), [1], { backend, dtype: 'i32' })),
    ids: untrack(batch.ids),
    mask: untrack(batch.mask),
  };
  // the loss reads the logits of the labelled positions and the KL position only: a model that can
  // run its head at given rows does just that (same values, a fraction of the head's work)
  const headAt = model.supportsLogitsAt
    ? {
        rows: untrack(tensor(Int32Array.from([...labelPos, kl * s + klRow.lookup]), [labelPos.length + 1], { backend, dtype: 'i32' })),
        labelPos: untrack(tensor(Int32Array.from(labelPos.map((_, i) => i)), [labelPos.length], { backend, dtype: 'i32' })),
        klPos: untrack(tensor(Int32Array.from([labelPos.length]), [1], { backend, dtype: 'i32' })),
      }
    : null;
  const width = model.config.hiddenSize;
  let delta = untrack(zeros([width], { backend }));
  let v0: Tensor | null = null;
  let lp0: Tensor | null = null;
  const opt = new Adam({ lr: hp.lr });
  const losses: number[] = [];
  let nllInitial = NaN;
  let nllFinal = NaN;
  let klFinal = NaN;
  let steps = 0;
  let maxNorm = Infinity;

  // the loss at the current δ; the parts are returned for reporting
  const loss = (): { total: Tensor; nll: Tensor; kl: Tensor } => {
    const add0 = addAtHook(ref, sites, delta);
    const hook: Hook = {
      ref,
      io: 'output',
      fn: (x) => {
        if (!v0) v0 = untrack(reshape(slice(x, [0, all[0].lookup, 0], [1, 1, width]), [width]));
        return add0.fn(x) as Tensor;
      },
    };
    const { logits } = model.forward(consts.ids, { attentionMask: consts.mask, hooks: [hook], logitsAt: headAt?.rows });
    if (!logits) throw new Error('optimizeDelta: the model returned no logits');
    const flat = headAt ? logits : reshape(logits, [all.length * s, vocab]);
    const nll = crossEntropy(gather(flat, headAt ? headAt.labelPos : consts.labelPos), consts.labelIds);
    const lp = logSoftmax(gather(flat, headAt ? headAt.klPos : consts.klPos));
    if (!lp0) lp0 = untrack(detach(lp));
    const klTerm = mul(sum(klDivLogits(lp, lp0)), hp.klFactor);
    // ‖δ‖ with a tiny floor inside the root: its gradient at δ = 0 is 0 (as torch.norm's), not NaN
    const wd = div(mul(sqrt(add(sum(square(delta)), 1e-20)), hp.weightDecay), sum(square(v0!)));
    return { total: add(add(nll, klTerm), wd), nll, kl: klTerm };
  };

  try {
    for (let it = 0; it < hp.numSteps; it++) {
      const last = it === hp.numSteps - 1;
      const out = tidy(() => {
        if (last) {
          const l = loss();
          return { ...l, grad: null as Tensor | null };
        }
        let parts: { nll: Tensor; kl: Tensor } | null = null;
        const r = valueAndGrads(() => {
          const l = loss();
          // keep the parts alive past valueAndGrads' own scope, for reporting
          parts = { nll: keep(l.nll), kl: keep(l.kl) };
          return l.total;
        }, [delta]);
        return { total: r.value, nll: parts!.nll, kl: parts!.kl, grad: r.grads[0] };
      });
      const total = await out.total.item();
      const nll = await out.nll.item();
      const klv = await out.kl.item();
      out.total.dispose();
      out.nll.dispose();
      out.kl.dispose();
      losses.push(total);
      if (it === 0) {
        nllInitial = nll;
        const v0sq = tidy(() => sum(square(v0!)));
        maxNorm = hp.clampNormFactor * Math.sqrt(await v0sq.item());
        v0sq.dispose();
      }
      nllFinal = nll;
      klFinal = klv;
      if (!Number.isFinite(total)) {
        out.grad?.dispose();
        throw new Error(`optimizeDelta: loss is ${total} at iteration ${it}`);
      }
      if (total < hp.earlyStopLoss || last || !out.grad) {
        out.grad?.dispose();
        break;
      }
      const [next] = opt.step([delta], [out.grad]);
      out.grad.dispose();
      const projected = untrack(tidy(() => projectL2Ball(next, maxNorm)));
      next.dispose();
      delta.dispose();
      delta = projected;
      steps++;
    }
    const d = Float64Array.from(await delta.data());
    const v = Float64Array.from(await v0!.data());
    const target = v.map((x, i) => x + d[i]);
    return { v0: v, delta: d, target, steps, losses, nllInitial, nllFinal, klFinal };
  } finally {
    opt.dispose();
    delta.dispose();
    (v0 as Tensor | null)?.dispose();
    (lp0 as Tensor | null)?.dispose();
    for (const t of Object.values(consts)) t.dispose();
    if (headAt) for (const t of Object.values(headAt)) t.dispose();
  }
}
