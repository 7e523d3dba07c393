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

/** Teacher-forced NLL over the target tokens (FT-M). */
export function targetNewLoss(model: LanguageModel, batch: TeacherForcedBatch): Tensor {
  const { logits } = model.forward(batch.ids, { attentionMask: batch.attentionMask });
  return crossEntropy(logits!, batch.labels, batch.labelMask);
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
