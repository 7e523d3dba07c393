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
  captureHook,
  crossEntropy,
  detach,
  div,
  gather,
  keep,
  klDivLogits,
  logSoftmax,
  mul,
  sqrt,
  prefillCache,
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
  type KVCache,
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
 * The constant tensors of the loss: the padded rows, the label and KL positions, and the head-at rows.
 * With a prefix cache every row is split where δ first acts on it: `ids`, `mask` and every position
 * below are those of the rows' tails, and `prefix` holds the keys/values of the heads, computed once.
 */
interface LossInputs {
  ids: Tensor;
  mask: Tensor;
  /** The keys/values of every row's tokens before its cut (read only by each pass), or null. */
  prefix: KVCache | null;
  /** Flat `[row·S + pos]` positions of the labels, their ids, and the KL row's lookup position. */
  labelPos: Tensor;
  labelIds: Tensor;
  klPos: Tensor;
  /**
   * When the model can run its head at given rows: those rows (the labels', then the KL row), the KL
   * index into them, and the NLL's targets and mask over all of them (the KL row masked out), so the
   * NLL reads the head's output whole instead of gathering the label rows out of it.
   */
  headAt: { rows: Tensor; klPos: Tensor; targets: Tensor; mask: Tensor } | null;
  /** Where δ is added: every row's lookup position. */
  sites: { row: number; pos: number }[];
  rows: number;
  seqLen: number;
  /** Row 0's lookup position (where v0 is read). */
  lookup0: number;
}

/**
 * Where a row is cut for the prefix cache: its lookup position (where δ is added) or its first label,
 * whichever comes first. Nothing before it depends on δ (causal attention), in any layer.
 */
function cutOf(r: EditRow): number {
  return Math.min(r.lookup, ...r.labels.map(([pos]) => pos));
}

/** The row from position `cut` on, positions shifted to match. */
function tailRow(r: EditRow, cut: number): EditRow {
  return { ids: r.ids.slice(cut), lookup: r.lookup - cut, labels: r.labels.map(([pos, id]) => [pos - cut, id] as [number, number]) };
}

/**
 * The keys/values of the row heads (`heads[i]` precede row i's tail), from one forward pass outside
 * any gradient tape; null when every head is empty.
 */
function prefixCache(model: LanguageModel, tok: Tokenizer, heads: readonly number[][]): KVCache | null {
  if (heads.every((h) => h.length === 0)) return null;
  const batch = batchRows(tok, heads.map((ids) => ({ ids, lookup: 0, labels: [] })), model.backend);
  try {
    return prefillCache(model, batch.ids, batch.mask);
  } finally {
    batch.ids.dispose();
    batch.mask.dispose();
  }
}

/**
 * Builds the {@link LossInputs} of `rows` (labelled) and `klRow` (the KL prompt, last); with
 * `usePrefix` (and a model that supports it) on the rows' tails over a prefix cache.
 */
function lossInputs(model: LanguageModel, tok: Tokenizer, rows: readonly EditRow[], klRow: EditRow, usePrefix: boolean): LossInputs {
  const backend = model.backend;
  if (rows.every((r) => r.labels.length === 0)) throw new Error('optimizeDelta: no labelled positions');
  const whole = [...rows, klRow];
  const cuts = usePrefix && model.supportsPrefix ? whole.map(cutOf) : whole.map(() => 0);
  const prefix = prefixCache(model, tok, whole.map((r, i) => r.ids.slice(0, cuts[i])));
  const all = prefix ? whole.map((r, i) => tailRow(r, cuts[i])) : whole;
  rows = all.slice(0, rows.length);
  klRow = all[rows.length];
  const batch = batchRows(tok, all, backend);
  const s = batch.seqLen;
  const labelPos: number[] = [];
  const labelIds: number[] = [];
  rows.forEach((r, i) =>
    r.labels.forEach(([pos, id]) => {
      labelPos.push(i * s + pos);
      labelIds.push(id);
    }),
  );
  const i32 = (v: number[]) => untrack(tensor(Int32Array.from(v), [v.length], { backend, dtype: 'i32' }));
  const klAt = rows.length * s + klRow.lookup;
  return {
    ids: untrack(batch.ids),
    mask: untrack(batch.mask),
    prefix,
    labelPos: i32(labelPos),
    labelIds: i32(labelIds),
    klPos: i32([klAt]),
    // the loss reads the logits of the labelled positions and the KL position only: a model that can
    // run its head at given rows does just that (same values, a fraction of the head's work)
    headAt: model.supportsLogitsAt
      ? {
          rows: i32([...labelPos, klAt]),
          klPos: i32([labelPos.length]),
          targets: i32([...labelIds, 0]),
          mask: untrack(tensor([...labelIds.map(() => 1), 0], [labelIds.length + 1], { backend })),
        }
      : null,
    sites: all.map((r, i) => ({ row: i, pos: r.lookup })),
    rows: all.length,
    seqLen: s,
    lookup0: all[0].lookup,
  };
}

function disposeInputs(inp: LossInputs): void {
  for (const t of [inp.ids, inp.mask, inp.labelPos, inp.labelIds, inp.klPos]) t.dispose();
  if (inp.headAt) for (const t of Object.values(inp.headAt)) t.dispose();
  inp.prefix?.dispose();
}

/**
 * What the loss captures on its first forward pass and keeps: v0, the KL prompt's p_0 (log-probs) and,
 * when the later passes can resume there, the residual stream that the edited layer output at δ = 0.
 */
interface LossAnchors {
  v0: Tensor | null;
  lp0: Tensor | null;
  base: Tensor | null;
}

/**
 * The layer whose output stream is the unedited stream plus δ at the sites, when the model can resume
 * a pass after it: δ on a layer's output (MEMIT's z) or on its MLP output, which the residual adds
 * (ROME's v*). The layers up to it do not depend on δ, so from the second pass on they are skipped.
 */
function resumeLayer(model: LanguageModel, ref: ModuleRef): number | null {
  if (!model.supportsStartAt) return null;
  return ref.kind === 'layer' || ref.kind === 'mlp' ? ref.layer : null;
}

/** The loss at `delta` (NLL + KL + weight decay), and its NLL and KL parts for reporting. */
function deltaLoss(
  model: LanguageModel,
  inp: LossInputs,
  ref: ModuleRef,
  delta: Tensor,
  anchors: LossAnchors,
  hp: DeltaSettings,
): { total: Tensor; nll: Tensor; kl: Tensor } {
  const width = model.config.hiddenSize;
  const add0 = addAtHook(ref, inp.sites, delta);
  const hook: Hook = {
    ref,
    io: 'output',
    fn: (x) => {
      if (!anchors.v0) anchors.v0 = untrack(reshape(slice(x, [0, inp.lookup0, 0], [1, 1, width]), [width]));
      return add0.fn(x) as Tensor;
    },
  };
  const at = resumeLayer(model, ref);
  const common = { attentionMask: inp.mask, logitsAt: inp.headAt?.rows, ...(inp.prefix ? { prefix: inp.prefix } : {}) };
  const { logits } =
    at !== null && anchors.base
      ? // the layers up to `at` gave `base` on the first pass; now only δ moves, at the sites
        model.forward(inp.ids, { ...common, startAt: { layer: at + 1, hidden: add0.fn(anchors.base) as Tensor } })
      : model.forward(inp.ids, {
          ...common,
          hooks: at === null ? [hook] : [hook, captureHook({ kind: 'layer', layer: at }, 'output', (t) => void (anchors.base ??= t))],
        });
  if (!logits) throw new Error('optimizeDelta: the model returned no logits');
  const flat = inp.headAt ? logits : reshape(logits, [inp.rows * inp.seqLen, model.config.vocabSize]);
  // with the head at the read rows, the masked mean over all of them equals the mean over the label rows
  // exactly (the KL row adds 0·nll to the sum; the count is the same integer)
  const nll = inp.headAt ? crossEntropy(flat, inp.headAt.targets, inp.headAt.mask) : crossEntropy(gather(flat, inp.labelPos), inp.labelIds);
  const lp = logSoftmax(gather(flat, inp.headAt ? inp.headAt.klPos : inp.klPos));
  if (!anchors.lp0) anchors.lp0 = untrack(detach(lp));
  const klTerm = mul(sum(klDivLogits(lp, anchors.lp0)), hp.klFactor);
  // ‖δ‖ with a tiny floor inside the root: its gradient at δ = 0 is 0 (as torch.norm's), not NaN
  const wd = div(mul(sqrt(add(sum(square(delta)), 1e-20)), hp.weightDecay), sum(square(anchors.v0!)));
  return { total: add(add(nll, klTerm), wd), nll, kl: klTerm };
}

/** One iteration's loss (as host numbers) and, unless `last`, its gradient with respect to `delta`. */
async function evaluate(loss: () => { total: Tensor; nll: Tensor; kl: Tensor }, delta: Tensor, last: boolean): Promise<{ total: number; nll: number; kl: number; grad: Tensor | null }> {
  const out = tidy(() => {
    if (last) return { ...loss(), grad: null as Tensor | null };
    let parts: { nll: Tensor; kl: Tensor } | null = null;
    const r = valueAndGrads(() => {
      const l = loss();
      // keep the parts alive past valueAndGrads' own scope, for reporting
      parts = { nll: keep(l.nll), kl: keep(l.kl) };
      return l.total;
    }, [delta]);
    return { total: r.value, nll: parts!.nll, kl: parts!.kl, grad: r.grads[0] };
  });
  const values = { total: await out.total.item(), nll: await out.nll.item(), kl: await out.kl.item() };
  out.total.dispose();
  out.nll.dispose();
  out.kl.dispose();
  return { ...values, grad: out.grad };
}

/** clampNormFactor·‖v0‖, the radius δ is projected onto. */
async function clampRadius(v0: Tensor, clampNormFactor: number): Promise<number> {
  const v0sq = tidy(() => sum(square(v0)));
  const r = clampNormFactor * Math.sqrt(await v0sq.item());
  v0sq.dispose();
  return r;
}

/** An Adam step on δ followed by the projection onto the ball of radius `maxNorm`; disposes `delta` and `grad`. */
function projectedStep(opt: Adam, delta: Tensor, grad: Tensor, maxNorm: number): Tensor {
  const [next] = opt.step([delta], [grad]);
  grad.dispose();
  const projected = untrack(tidy(() => projectL2Ball(next, maxNorm)));
  next.dispose();
  delta.dispose();
  return projected;
}

/** Options of {@link optimizeDelta} that change how, not what, it computes. */
export interface DeltaOptions {
  /**
   * Run every pass on the rows' tails over a prefix cache when the model supports it
   * (`LanguageModel.supportsPrefix`; default true): each row's tokens before its lookup position (and
   * before its first label) never see δ, so their keys/values in every layer are computed once, without
   * gradients, and each pass computes the tail alone. The same loss and gradient up to float rounding;
   * false runs the whole rows (the reference the tests compare with).
   */
  prefixCache?: boolean;
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
  opts: DeltaOptions = {},
): Promise<DeltaResult> {
  const inp = lossInputs(model, tok, rows, klRow, opts.prefixCache ?? true);
  let delta = untrack(zeros([model.config.hiddenSize], { backend: model.backend }));
  const anchors: LossAnchors = { v0: null, lp0: null, base: null };
  const opt = new Adam({ lr: hp.lr });
  const losses: number[] = [];
  let nllInitial = NaN;
  let nllFinal = NaN;
  let klFinal = NaN;
  let steps = 0;
  let maxNorm = Infinity;
  try {
    for (let it = 0; it < hp.numSteps; it++) {
      const last = it === hp.numSteps - 1;
      const out = await evaluate(() => deltaLoss(model, inp, ref, delta, anchors, hp), delta, last);
      losses.push(out.total);
      if (it === 0) {
        nllInitial = out.nll;
        maxNorm = await clampRadius(anchors.v0!, hp.clampNormFactor);
      }
      nllFinal = out.nll;
      klFinal = out.kl;
      if (!Number.isFinite(out.total)) {
        out.grad?.dispose();
        throw new Error(`optimizeDelta: loss is ${out.total} at iteration ${it}`);
      }
      if (out.total < hp.earlyStopLoss || last || !out.grad) {
        out.grad?.dispose();
        break;
      }
      delta = projectedStep(opt, delta, out.grad, maxNorm);
      steps++;
    }
    const d = Float64Array.from(await delta.data());
    const v = Float64Array.from(await anchors.v0!.data());
    const target = v.map((x, i) => x + d[i]);
    return { v0: v, delta: d, target, steps, losses, nllInitial, nllFinal, klFinal };
  } finally {
    opt.dispose();
    delta.dispose();
    anchors.v0?.dispose();
    anchors.lp0?.dispose();
    anchors.base?.dispose();
    disposeInputs(inp);
  }
}
