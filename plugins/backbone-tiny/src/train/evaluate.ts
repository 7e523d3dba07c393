/** Teacher-forced evaluation of sequences: mean token loss and answer-token accuracy. */
import { argmax, logSoftmax, mul, pickLast, tensor, tidy, type LanguageModel } from '@crossedit/core';
import { collate, type Seq } from './data.js';

/** The result of {@link evaluateSeqs}. */
export interface SeqEval {
  /** Mean next-token cross-entropy over every predicted token (nats). */
  loss: number;
  /** Tokens the loss averages over. */
  tokens: number;
  /** Mean over sequences with an answer of the fraction of answer tokens predicted exactly (argmax). */
  accuracy: number;
  /** Per-sequence answer accuracy (NaN for sequences without an answer), in input order. */
  perSeq: number[];
}

/**
 * Runs the model over `seqs` in batches (right-padded, no gradient) and scores them teacher-forced:
 * the prediction of token `t` is the argmax of the logits at position `t - 1`.
 *
 * @example
 * ```ts
 * const { loss, accuracy } = await evaluateSeqs(model, data.evalFacts.en, { pad: 3 });
 * ```
 */
export async function evaluateSeqs(model: LanguageModel, seqs: readonly Seq[], opts: { pad: number; batchSize?: number }): Promise<SeqEval> {
  const bs = opts.batchSize ?? 32;
  const order = seqs.map((_, i) => i).sort((a, b) => seqs[a].ids.length - seqs[b].ids.length);
  const perSeq = new Array<number>(seqs.length).fill(NaN);
  let lossSum = 0;
  let tokens = 0;
  for (let i = 0; i < order.length; i += bs) {
    const idx = order.slice(i, i + bs);
    const batch = idx.map((k) => seqs[k]);
    const c = collate(batch, opts.pad);
    const { nll, pred } = tidy(() => {
      const ids = tensor(c.inputs, [c.rows, c.cols], { dtype: 'i32', backend: model.backend });
      const tg = tensor(c.targets, [c.rows, c.cols], { dtype: 'i32', backend: model.backend });
      const logits = model.forward(ids).logits!;
      return { nll: mul(pickLast(logSoftmax(logits), tg), -1), pred: argmax(logits, -1) };
    });
    const [nv, pv] = await Promise.all([nll.data(), pred.data()]);
    nll.dispose();
    pred.dispose();
    batch.forEach((s, r) => {
      for (let j = 0; j < s.ids.length - 1; j++) {
        lossSum += nv[r * c.cols + j];
        tokens++;
      }
      if (s.answerStart > 0) {
        let ok = 0;
        for (let t = s.answerStart; t < s.answerEnd; t++) if (pv[r * c.cols + t - 1] === s.ids[t]) ok++;
        perSeq[idx[r]] = ok / (s.answerEnd - s.answerStart);
      }
    });
  }
  const scored = perSeq.filter((x) => !Number.isNaN(x));
  return {
    loss: tokens ? lossSum / tokens : NaN,
    tokens,
    accuracy: scored.length ? scored.reduce((a, b) => a + b, 0) / scored.length : NaN,
    perSeq,
  };
}
