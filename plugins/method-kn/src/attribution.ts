/**
 * Integrated-gradients attribution of the MLP gate neurons (pre-SiLU `gate_proj` outputs) at the last
 * prompt token, per layer, for each old-answer token in turn (the prompt grows by the model's argmax
 * after each token, as in the reference).
 */
import {
  argmax,
  captureHook,
  div,
  mul,
  pickLast,
  reshape,
  replaceAtHook,
  sliceAxis,
  softmax,
  sum,
  tensor,
  tidy,
  valueAndGrads,
  type Hook,
  type LanguageModel,
  type Tensor,
} from '@crossedit/core';
import { asContinuation, type Continuation } from './continuation.js';

/** `linspace(0, 1, steps)` as torch computes it (`[0]` for one step). */
export function alphas(steps: number): number[] {
  return steps === 1 ? [0] : Array.from({ length: steps }, (_, j) => j / (steps - 1));
}

/**
 * The logits at the last position of each of the `rows` rows of `x: [rows, s]`, `[rows, V]`: a model that
 * can run its head at given rows runs it there only (the same values, a fraction of the head's work).
 */
function lastLogits(model: LanguageModel, x: Tensor, rows: number, s: number, hooks: readonly Hook[]): Tensor {
  const be = model.backend;
  if (model.supportsLogitsAt) {
    const at = tensor(Int32Array.from({ length: rows }, (_, r) => r * s + s - 1), [rows], { backend: be, dtype: 'i32' });
    return model.forward(x, { hooks, logitsAt: at }).logits!;
  }
  return reshape(sliceAxis(model.forward(x, { hooks }).logits!, 1, s - 1, s), [rows, -1]);
}

/**
 * IG scores of every gate neuron of `layer` for predicting `target` after `ids`:
 * `(Σ_j ∂p(target)/∂a|_{α_j a}) ⊙ a / steps`, where a is the gate output at the last position.
 * Returns the scores `[M]` and the unpatched argmax at the last position.
 */
export async function gateScores(model: LanguageModel, ids: readonly number[], layer: number, target: number, steps: number): Promise<{ scores: Float64Array; argmax: number }> {
  const be = model.backend;
  const s = ids.length;
  const ref = { kind: 'mlp.gate', layer } as const;
  let a: Tensor | null = null;
  const first = tidy(() => {
    const x = tensor(Int32Array.from(ids), [1, s], { backend: be, dtype: 'i32' });
    return argmax(reshape(lastLogits(model, x, 1, s, [captureHook(ref, 'output', (t) => (a = t))]), [-1]), -1);
  });
  const top = (await first.data())[0];
  first.dispose();
  const act = a as Tensor | null;
  if (!act) throw new Error(`kn: the model ran no hook for ${JSON.stringify(ref)}`);
  const m = act.shape[2];
  const aLast = tidy(() => reshape(sliceAxis(act, 1, s - 1, s), [1, m]));
  act.dispose();
  const al = alphas(steps);
  const scaled = tidy(() => mul(tensor(al, [steps, 1], { backend: be }), aLast));
  const { value, grads } = valueAndGrads(() => {
    const x = tensor(Int32Array.from(Array.from({ length: steps }, () => ids).flat()), [steps, s], { backend: be, dtype: 'i32' });
    const sites = al.map((_, row) => ({ row, pos: s - 1 }));
    const last = lastLogits(model, x, steps, s, [replaceAtHook(ref, sites, scaled)]);
    const p = pickLast(softmax(last), tensor(new Int32Array(steps).fill(target), [steps], { backend: be, dtype: 'i32' }));
    return sum(p);
  }, [scaled]);
  value.dispose();
  const ig = tidy(() => div(mul(sum(grads[0], 0), reshape(aLast, [m])), steps));
  const scores = Float64Array.from(await ig.data());
  for (const t of [ig, grads[0], scaled, aLast]) t.dispose();
  return { scores, argmax: top };
}

/**
 * Scores of all requested layers, averaged over the old-answer tokens: `[layers.length][M]`.
 * After each token the prompt is extended with the unpatched argmax (greedy continuation): by id when
 * `prompt` is ids, or as the {@link Continuation} says (EasyEdit's decode-and-re-tokenise route).
 */
export async function attribute(
  model: LanguageModel,
  prompt: readonly number[] | Continuation,
  answer: readonly number[],
  layers: readonly number[],
  steps: number,
): Promise<Float64Array[]> {
  const m = model.config.intermediateSize;
  const totals = layers.map(() => new Float64Array(m));
  let at = asContinuation(prompt);
  for (const y of answer) {
    let next = -1;
    for (let li = 0; li < layers.length; li++) {
      const { scores, argmax: am } = await gateScores(model, at.ids, layers[li], y, steps);
      for (let i = 0; i < m; i++) totals[li][i] += scores[i] / answer.length;
      next = am;
    }
    at = at.append(next);
  }
  return totals;
}
