/** FT's two objectives, as differentiable losses of the current model. */
import {
  crossEntropy,
  div,
  logSoftmax,
  mul,
  neg,
  reshape,
  sum,
  tensor,
  type LanguageModel,
  type TeacherForcedBatch,
  type Tensor,
} from '@crossedit/core';

/** The target positions of a batch (flat indices into B·S, in order), their labels and per-request weights `1 / (B · |t_i|)`. */
function targetPositions(batch: TeacherForcedBatch): { rows: number[]; labels: number[]; weights: number[] } {
  const out = { rows: [] as number[], labels: [] as number[], weights: [] as number[] };
  const b = batch.rows.length;
  batch.rows.forEach((r, i) =>
    r.targetIds.forEach((id, j) => {
      out.rows.push(i * batch.seqLen + r.promptLen - 1 + j);
      out.labels.push(id);
      out.weights.push(1 / (b * r.targetIds.length));
    }),
  );
  return out;
}

/**
 * Weights `[B, S]` for a mean per request, then across requests: `1 / (B · |t_i|)` at the target
 * positions of row i, 0 elsewhere. They sum to 1, so the masked mean of `crossEntropy` with them is
 * `mean_i mean_j nll_ij` (EasyEdit's `(loss * mask).sum(1) / mask.sum(1)` then `.mean()`).
 */
export function perRequestWeights(model: LanguageModel, batch: TeacherForcedBatch): Tensor {
  const w = new Float64Array(batch.rows.length * batch.seqLen);
  const t = targetPositions(batch);
  t.rows.forEach((row, k) => (w[row] = t.weights[k]));
  return tensor(w, [batch.rows.length, batch.seqLen], { backend: model.backend });
}

/**
 * Teacher-forced NLL over the target tokens (FT-M): the mean over each request's target tokens, then
 * the mean over requests, as EasyEdit HEAD's `execute_ft` reduces a batch. A request with a long target
 * weighs as much as one with a short target.
 */
export function targetNewLoss(model: LanguageModel, batch: TeacherForcedBatch): Tensor {
  if (!model.supportsLogitsAt) {
    const { logits } = model.forward(batch.ids, { attentionMask: batch.attentionMask });
    return crossEntropy(logits!, batch.labels, perRequestWeights(model, batch));
  }
  // only the target positions carry weight: the head runs there alone (the same loss, in the same order)
  const { rows, labels, weights } = targetPositions(batch);
  const be = model.backend;
  const at = tensor(Int32Array.from(rows), [rows.length], { backend: be, dtype: 'i32' });
  const { logits } = model.forward(batch.ids, { attentionMask: batch.attentionMask, logitsAt: at });
  return crossEntropy(logits!, tensor(Int32Array.from(labels), [labels.length], { backend: be, dtype: 'i32' }), tensor(weights, [weights.length], { backend: be }));
}

/**
 * The reference's `prompt_last`: the prompt alone is run, and every target token is scored at the last
 * prompt position (a bag-of-tokens loss), averaged over target tokens and rows.
 */
export function promptLastLoss(model: LanguageModel, batch: TeacherForcedBatch): Tensor {
  const b = batch.rows.length;
  const v = model.config.vocabSize;
  const { logits } = model.forward(batch.ids, { attentionMask: batch.attentionMask });
  const lp = reshape(logSoftmax(logits!), [b * batch.seqLen, v]);
  // one-hot weights [B*S, V]: row (i, promptLen-1) gets 1/|t| at each target id
  const w = new Float64Array(b * batch.seqLen * v);
  batch.rows.forEach((r, i) => {
    const row = i * batch.seqLen + r.promptLen - 1;
    for (const t of r.targetIds) w[row * v + t] += 1 / r.targetIds.length;
  });
  const weights = tensor(w, [b * batch.seqLen, v], { backend: model.backend });
  return div(neg(sum(mul(lp, weights))), b);
}
