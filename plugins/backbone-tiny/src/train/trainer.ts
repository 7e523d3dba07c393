/** One optimizer step at a time: batch, loss, gradients, clipping, Adam, weight swap. */
import { Adam, add, clipGradNorm, crossEntropy, div, greater, logSoftmax, mean, mul, softmaxNll, sum, tensor, tidy, valueAndGrads, where, type LanguageModel, type Tensor, type WeightRef } from '@crossedit/core';
import { learningRate, type TrainConfig } from './config.js';
import { BatchSchedule, collate, type Seq } from './data.js';
import { trainableRefs } from './params.js';

/** What one step reports. */
export interface StepRecord {
  /** 0-based step index. */
  step: number;
  /** Learning rate used. */
  lr: number;
  /** Mean token loss of the batch before the update (nats). */
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Predicted tokens in the batch. */
  tokens: number;
}

/**
 * Trains a model in place: the batch of step `s` comes from a {@link BatchSchedule}, the loss is the
 * masked next-token cross-entropy, gradients come from core `valueAndGrads`, are clipped to `gradClip`
 * and applied by core `Adam` (AdamW when `weightDecay > 0`); the updated weights replace the model's.
 *
 * @example
 * ```ts
 * const trainer = new Trainer(model, cfg, data.train, 3);
 * const rec = await trainer.step(); // { step: 0, loss: 8.7, ... }
 * ```
 */
export class Trainer {
  readonly refs: WeightRef[];
  readonly adam: Adam;
  readonly schedule: BatchSchedule;
  /** The next step to run. */
  nextStep = 0;

  constructor(
    readonly model: LanguageModel,
    readonly cfg: TrainConfig,
    readonly lines: readonly Seq[],
    readonly pad: number,
  ) {
    this.refs = trainableRefs(model.config);
    this.adam = new Adam({ lr: cfg.lr, weightDecay: cfg.weightDecay, decoupled: cfg.weightDecay > 0 });
    this.schedule = new BatchSchedule(lines, cfg.batchSize, cfg.seed);
  }

  /** Runs step {@link Trainer.nextStep} and advances. */
  async step(): Promise<StepRecord> {
    const step = this.nextStep;
    const c = collate(
      this.schedule.batch(step).map((i) => this.lines[i]),
      this.pad,
      this.cfg.promptLossWeight ?? 1,
    );
    const lr = learningRate(this.cfg, step);
    const be = this.model.backend;
    const params = this.refs.map((r) => this.model.weight(r));
    const out = tidy(() => {
      const ids = tensor(c.inputs, [c.rows, c.cols], { dtype: 'i32', backend: be });
      const tg = tensor(c.targets, [c.rows, c.cols], { dtype: 'i32', backend: be });
      const mask = tensor(c.mask, [c.rows, c.cols], { backend: be });
      const { value, grads } = valueAndGrads(() => smoothedCrossEntropy(this.model.forward(ids).logits!, tg, mask, this.cfg.labelSmoothing ?? 0), params);
      const clipped = clipGradNorm(grads, this.cfg.gradClip);
      return { value, norm: clipped.norm, grads: clipped.grads };
    });
    const next = this.adam.step(params, out.grads, lr);
    for (const g of out.grads) g.dispose();
    next.forEach((t, i) => this.model.setWeight(this.refs[i], t).dispose());
    const [loss, gradNorm] = await Promise.all([out.value.item(), out.norm.item()]);
    out.value.dispose();
    out.norm.dispose();
    this.nextStep++;
    let tokens = 0;
    for (let i = 0; i < c.mask.length; i++) if (c.mask[i] > 0) tokens++;
    return { step, lr, loss, gradNorm, tokens };
  }

  /** Releases the optimizer state (the model stays). */
  dispose(): void {
    this.adam.dispose();
  }
}

/**
 * Masked next-token cross-entropy with label smoothing `eps`: per token `(1 - eps) · nll + eps · (-mean_v log p_v)`
 * (the cross-entropy against `(1 - eps) · onehot + eps · uniform`, as PyTorch's `label_smoothing`), averaged
 * with the mask's weights. `eps = 0` is core `crossEntropy`.
 *
 * @example
 * ```ts
 * const loss = smoothedCrossEntropy(logits, targets, mask, 0.1); // scalar
 * ```
 */
export function smoothedCrossEntropy(logits: Tensor, targets: Tensor, mask: Tensor, eps: number): Tensor {
  if (!(eps >= 0 && eps < 1)) throw new RangeError(`labelSmoothing must be in [0, 1), got ${eps}`);
  if (eps === 0) return crossEntropy(logits, targets, mask);
  const nll = softmaxNll(logits, targets);
  const uniform = mul(mean(logSoftmax(logits), -1), -1);
  const perToken = add(mul(nll, 1 - eps), mul(uniform, eps));
  const count = sum(mask);
  return div(sum(mul(perToken, mask)), where(greater(count, 0), count, 1));
}
