/** KN's apply: attribute, select, and move the selected `mlp.down` columns toward the new answer. */
import {
  applyDeltas,
  add,
  gather,
  mul,
  outer,
  reshape,
  sub,
  sum,
  tensor,
  tidy,
  untrack,
  type EditContext,
  type EditRequest,
  type EditResult,
  type WeightDelta,
} from '@crossedit/core';
import { attribute } from './attribution.js';
import { greedyTokens } from './decode.js';
import type { KnHparams } from './hparams.js';
import { selectNeurons, type Neuron } from './select.js';

/** Runs KN for each request in turn and applies the column edits. */
export async function applyKn(ctx: EditContext, requests: readonly EditRequest[], h: KnHparams): Promise<EditResult> {
  const { model, tokenizer } = ctx;
  const t0 = performance.now();
  const layers = h.layers.length ? h.layers : Array.from({ length: model.config.numLayers }, (_, i) => i);
  const deltas: WeightDelta[] = [];
  const selected: Neuron[] = [];
  for (const req of requests) {
    const promptIds = tokenizer.encode(req.prompt).ids;
    const targetIds = tokenizer.encode(req.target, { addBos: h.keepBos }).ids;
    const answer =
      h.oldAnswer === 'endoftext'
        ? tokenizer.encode('<|endoftext|>', { addBos: h.keepBos }).ids.slice(0, h.maxAnswerTokens)
        : await greedyTokens(model, promptIds, Math.min(h.maxAnswerTokens, Math.max(1, targetIds.length)));
    const scores = await attribute(model, promptIds, answer, layers, h.steps);
    const neurons = selectNeurons(scores, layers, h.adaptiveThreshold);
    selected.push(...neurons);
    // the pre-edit prediction of |t| tokens, then W_down[:, i] += Σ E[t] − Σ E[o] (×2 for one token)
    const old = await greedyTokens(model, promptIds, targetIds.length);
    const factor = targetIds.length === 1 ? 2 : 1;
    const byLayer = new Map<number, number[]>();
    for (const n of neurons) byLayer.set(n.layer, [...(byLayer.get(n.layer) ?? []), n.index]);
    const embed = model.weight({ kind: 'embed' });
    for (const [layer, cols] of byLayer) {
      const delta = untrack(
        tidy(() => {
          const be = model.backend;
          const eNew = sum(gather(embed, tensor(Int32Array.from(targetIds), [targetIds.length], { backend: be, dtype: 'i32' })), 0);
          const eOld = sum(gather(embed, tensor(Int32Array.from(old), [old.length], { backend: be, dtype: 'i32' })), 0);
          const vec = mul(sub(eNew, eOld), factor);
          const mask = new Float64Array(model.config.intermediateSize);
          for (const c of cols) mask[c] = 1;
          return outer(reshape(vec, [-1]), tensor(mask, [mask.length], { backend: be }));
        }),
      );
      deltas.push({ ref: { kind: 'mlp.down', layer }, delta });
    }
  }
  const restoreWeights = applyDeltas(model, deltas, add);
  let done = false;
  return {
    deltas,
    diagnostics: { neurons: selected.length, layers: new Set(selected.map((n) => n.layer)).size, ms: performance.now() - t0 },
    async restore() {
      if (done) return;
      done = true;
      await restoreWeights();
      for (const d of deltas) d.delta.dispose();
    },
  };
}
