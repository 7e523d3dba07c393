/** FT's apply: Adam on the chosen matrices, optional L∞ projection, deltas + restore. */
import {
  Adam,
  clamp,
  editableWeight,
  sub,
  add,
  teacherForcedBatch,
  teacherForcedRows,
  tidy,
  untrack,
  valueAndGrads,
  type EditContext,
  type EditRequest,
  type EditResult,
  type Tensor,
  type WeightRef,
} from '@crossedit/core';
import type { FtHparams } from './hparams.js';
import { promptLastLoss, targetNewLoss } from './loss.js';

/** Runs FT on `requests` (one batch) and leaves the trained weights in the model. */
export async function applyFt(ctx: EditContext, requests: readonly EditRequest[], h: FtHparams): Promise<EditResult> {
  const t0 = performance.now();
  const { model, tokenizer } = ctx;
  if (new Set(h.layers).size !== h.layers.length) throw new RangeError(`ft: layers ${JSON.stringify(h.layers)} repeat a layer`);
  for (const l of h.layers) {
    if (!Number.isInteger(l) || l < 0 || l >= model.config.numLayers) throw new RangeError(`ft: layer ${l} is outside the model (0..${model.config.numLayers - 1})`);
  }
  const refs = h.layers.map((layer) => ({ kind: h.module, layer }) as WeightRef);
  const originals = refs.map((r) => model.weight(r));
  const rows = teacherForcedRows(tokenizer, requests.map((r) => ({ prompt: r.prompt, target: r.target })));
  const batch = teacherForcedBatch(rows, model.backend, tokenizer.special.pad ?? tokenizer.special.eos ?? 0);
  // the f32 matrices FT trains: the originals, or f32 copies of f16-stored weights (set into the model
  // for the optimisation; restore puts the f16 originals back)
  const starts = originals.map((w) => untrack(editableWeight(w)));
  refs.forEach((r, i) => starts[i] !== originals[i] && model.setWeight(r, starts[i]));
  const dropStarts = () => starts.forEach((w, i) => w !== originals[i] && w.dispose());
  const lo = h.normConstraint > 0 ? starts.map((w) => untrack(tidy(() => sub(w, h.normConstraint)))) : [];
  const hi = h.normConstraint > 0 ? starts.map((w) => untrack(tidy(() => add(w, h.normConstraint)))) : [];
  const lossFn = h.objective === 'prompt_last' ? promptLastLoss : targetNewLoss;
  const opt = new Adam({ lr: h.lr, weightDecay: h.weightDecay });
  let current: Tensor[] = starts;
  const losses: number[] = [];
  try {
    for (let step = 0; step < h.numSteps; step++) {
      const { value, grads } = valueAndGrads(() => lossFn(model, batch), current);
      const loss = await value.item();
      value.dispose();
      losses.push(loss);
      if (!Number.isFinite(loss)) {
        for (const g of grads) g.dispose();
        throw new Error(`ft: loss became ${loss} at step ${step}`);
      }
      if (loss < h.earlyStopLoss) {
        for (const g of grads) g.dispose();
        break;
      }
      let next = opt.step(current, grads);
      for (const g of grads) g.dispose();
      if (h.normConstraint > 0) {
        const clamped = next.map((w, i) => untrack(tidy(() => clamp(w, lo[i], hi[i]))));
        for (const w of next) w.dispose();
        next = clamped;
      }
      refs.forEach((r, i) => model.setWeight(r, next[i]));
      if (current !== starts) for (const w of current) w.dispose();
      current = next;
    }
  } catch (e) {
    refs.forEach((r, i) => model.setWeight(r, originals[i]));
    if (current !== starts) for (const w of current) w.dispose();
    dropStarts();
    throw e;
  } finally {
    opt.dispose();
    for (const t of [...lo, ...hi]) t.dispose();
    for (const t of [batch.ids, batch.attentionMask, batch.labels, batch.labelMask]) t.dispose();
  }
  const deltas = refs.map((ref, i) => ({ ref, delta: untrack(tidy(() => sub(current[i], starts[i]))) }));
  if (current !== starts) dropStarts();
  let restored = false;
  return {
    deltas,
    diagnostics: { steps: losses.length, firstLoss: losses[0] ?? NaN, finalLoss: losses[losses.length - 1] ?? NaN, ms: performance.now() - t0 },
    async restore() {
      if (restored) return;
      restored = true;
      refs.forEach((r, i) => {
        const w = model.setWeight(r, originals[i]);
        if (w !== originals[i]) w.dispose();
      });
      for (const d of deltas) d.delta.dispose();
    },
  };
}
