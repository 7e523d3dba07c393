/** KN's apply: attribute, select, and move the selected `mlp.down` columns toward the new answer. */
import {
  applyDeltas,
  add,
  gather,
  mul,
  outer,
  sub,
  sum,
  tensor,
  tidy,
  untrack,
  type EditContext,
  type EditRequest,
  type EditResult,
  type Tensor,
  type Tokenizer,
  type WeightDelta,
} from '@crossedit/core';
import { attribute } from './attribution.js';
import { continuationOf, type Continuation, type ContinuationMode } from './continuation.js';
import { greedyTokens } from './decode.js';
import type { KnHparams } from './hparams.js';
import { selectNeurons, type Neuron } from './select.js';

/**
 * The "old answer" ids attributed for a request (see {@link KnHparams.oldAnswer}); `preEdit`, the
 * model's greedy continuation when already computed, is reused for `pre-edit`.
 */
export async function oldAnswerIds(
  ctx: EditContext,
  req: EditRequest,
  prompt: readonly number[] | Continuation,
  targetLen: number,
  h: KnHparams,
  preEdit?: readonly number[],
): Promise<number[]> {
  const tok: Tokenizer = ctx.tokenizer;
  if (h.oldAnswer === 'endoftext') return tok.encode('<|endoftext|>', { addBos: h.keepBos }).ids;
  if (h.oldAnswer === 'ground-truth') {
    if (!req.groundTruth) throw new Error(`kn: request '${req.id}' has no groundTruth, which oldAnswer 'ground-truth' needs`);
    return tok.encode(req.groundTruth, { addBos: h.keepBos }).ids.slice(0, h.maxAnswerTokens);
  }
  const n = Math.min(h.maxAnswerTokens, Math.max(1, targetLen));
  return preEdit && preEdit.length >= n ? preEdit.slice(0, n) : greedyTokens(ctx.model, prompt, n);
}

/**
 * The factor of the original prediction's embedding: EasyEdit indexes the embeddings with the single id
 * itself when the greedy prediction has one token (a vector, subtracted `* 2`) and with the id list
 * otherwise (each row subtracted once). The target is always an id list there (`tokenizer.encode`), so
 * its embeddings are never doubled.
 */
export function originalPredictionFactor(original: readonly number[]): 1 | 2 {
  return original.length === 1 ? 2 : 1;
}

/**
 * Runs KN for each request (attribution on the unedited model), then applies the column edits:
 * for each selected neuron (ℓ, i), `W_down^ℓ[:, i] += Σ E[t] − f · Σ E[o]`, where t are the target ids,
 * o the model's greedy prediction of as many tokens, E the input embeddings and f = 2 when o is a
 * single id (else 1), as the reference does. The prompt grows by id or by text as
 * `continuation` says, for both the attribution and o.
 */
export async function applyKn(ctx: EditContext, requests: readonly EditRequest[], h: KnHparams): Promise<EditResult> {
  const { model, tokenizer } = ctx;
  const t0 = performance.now();
  const layers = h.layers.length ? h.layers : Array.from({ length: model.config.numLayers }, (_, i) => i);
  for (const l of layers) {
    if (!Number.isInteger(l) || l < 0 || l >= model.config.numLayers) throw new RangeError(`kn: layer ${l} is outside the model (0..${model.config.numLayers - 1})`);
  }
  const byLayer = new Map<number, Tensor>();
  const selected: Neuron[] = [];
  let answerTokens = 0;
  try {
    for (const req of requests) {
      const start = continuationOf(h.continuation as ContinuationMode, tokenizer, req.prompt);
      const targetIds = tokenizer.encode(req.target, { addBos: h.keepBos }).ids;
      if (targetIds.length === 0) throw new Error(`kn: request '${req.id}' has an empty target`);
      // the pre-edit prediction of |t| tokens (o), also the default attributed answer
      const old = await greedyTokens(model, start, targetIds.length);
      const answer = await oldAnswerIds(ctx, req, start, targetIds.length, h, old);
      answerTokens += answer.length;
      const scores = await attribute(model, start, answer, layers, h.steps);
      const neurons = selectNeurons(scores, layers, h.adaptiveThreshold);
      selected.push(...neurons);
      // W_down[:, i] += Σ E[t] − f Σ E[o]
      const factor = originalPredictionFactor(old);
      const cols = new Map<number, number[]>();
      for (const n of neurons) cols.set(n.layer, [...(cols.get(n.layer) ?? []), n.index]);
      const embed = model.weight({ kind: 'embed' });
      for (const [layer, idx] of cols) {
        const delta = untrack(
          tidy(() => {
            const be = model.backend;
            const ids = (v: readonly number[]) => tensor(Int32Array.from(v), [v.length], { backend: be, dtype: 'i32' });
            const vec = sub(sum(gather(embed, ids(targetIds)), 0), mul(sum(gather(embed, ids(old)), 0), factor));
            const mask = new Float64Array(model.config.intermediateSize);
            for (const c of idx) mask[c] = 1;
            const d = outer(vec, tensor(mask, [mask.length], { backend: be }));
            const prev = byLayer.get(layer);
            return prev ? add(prev, d) : d;
          }),
        );
        byLayer.get(layer)?.dispose();
        byLayer.set(layer, delta);
      }
    }
  } catch (e) {
    for (const t of byLayer.values()) t.dispose();
    throw e;
  }
  const deltas: WeightDelta[] = [...byLayer].sort(([a], [b]) => a - b).map(([layer, delta]) => ({ ref: { kind: 'mlp.down', layer }, delta }));
  const restoreWeights = applyDeltas(model, deltas, add);
  let done = false;
  return {
    deltas,
    diagnostics: {
      neurons: selected.length,
      layers: new Set(selected.map((n) => n.layer)).size,
      answerTokens,
      selected: selected
        .slice(0, 32)
        .map((n) => `${n.layer}:${n.index}`)
        .join(',') + (selected.length > 32 ? ',…' : ''),
      ms: performance.now() - t0,
    },
    async restore() {
      if (done) return;
      done = true;
      await restoreWeights();
      for (const d of deltas) d.delta.dispose();
    },
  };
}
