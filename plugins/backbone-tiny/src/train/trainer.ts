/** One optimizer step at a time: batch, loss, gradients, clipping, Adam, weight swap. */
import { Adam, Rng, add, clipGradNorm, crossEntropy, div, greater, logSoftmax, mean, mul, softmaxNll, sum, tensor, tidy, valueAndGrads, where, type Backend, type LanguageModel, type Tensor, type WeightRef } from '@crossedit/core';
import { MASKED_SCORE } from '@crossedit/transformer';
import { learningRate, type TrainConfig } from './config.js';
import { BatchSchedule, collate, type Seq } from './data.js';
import { trainableRefs } from './params.js';
import { checkObjectives, copyPool, interchangeBatch, interchangeGroups, interchangeLoss, keyDecorrelationPenalty, pickHook, realTokens, type CopyPool } from './objectives.js';

/** What one step reports. */
export interface StepRecord {
  /** 0-based step index. */
  step: number;
  /** Learning rate used. */
  lr: number;
  /** The objective of the batch before the update (nats): the mean token loss, plus the weighted interchange and key-decorrelation terms when the config has them. */
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
  /** The interchange groups of the lines (`TrainConfig.interchange`), or null without it. */
  readonly groups: number[][] | null;
  /** The copy lines and bases of `TrainConfig.interchange.copy`, or null without it. */
  readonly copies: CopyPool | null;

  constructor(
    readonly model: LanguageModel,
    readonly cfg: TrainConfig,
    readonly lines: readonly Seq[],
    readonly pad: number,
    /** The EOS id that ends an interchange line (`TrainConfig.interchange`). */
    readonly eos = 2,
  ) {
    this.refs = trainableRefs(model.config);
    this.adam = new Adam({ lr: cfg.lr, weightDecay: cfg.weightDecay, decoupled: cfg.weightDecay > 0 });
    this.schedule = new BatchSchedule(lines, cfg.batchSize, cfg.seed);
    this.groups = cfg.interchange ? interchangeGroups(lines) : null;
    this.copies = cfg.interchange?.copy || cfg.interchange?.compose ? copyPool(lines) : null;
    checkObjectives(cfg);
  }

  /** Runs step {@link Trainer.nextStep} and advances. */
  async step(): Promise<StepRecord> {
    const step = this.nextStep;
    const batch = this.schedule.batch(step).map((i) => this.lines[i]);
    const c = collate(
      batch,
      this.pad,
      this.cfg.promptLossWeight ?? 1,
    );
    const lr = learningRate(this.cfg, step);
    const be = this.model.backend;
    const blocks = bottleneckBias(batch, c.cols, this.cfg, step);
    if (blocks && !this.model.supportsAttentionBias) throw new TypeError('Trainer: subjectBottleneck needs a model whose forward honours attentionBias (supportsAttentionBias)');
    const params = this.refs.map((r) => this.model.weight(r));
    const out = tidy(() => {
      const ids = tensor(c.inputs, [c.rows, c.cols], { dtype: 'i32', backend: be });
      const tg = tensor(c.targets, [c.rows, c.cols], { dtype: 'i32', backend: be });
      const mask = tensor(c.mask, [c.rows, c.cols], { backend: be });
      const attentionBias = blocks && biasTensors(blocks, this.model.config.numLayers, c.rows, c.cols, be);
      const kd = this.cfg.keyDecorrelation;
      const ic = this.cfg.interchange && step < (this.cfg.interchange.until ?? 1) * this.cfg.steps ? this.cfg.interchange : null;
      const pairs = ic && interchangeBatch(this.lines, this.groups!, this.cfg, step, this.eos, this.copies ?? undefined);
      const biasOf = (seqs: readonly Seq[], cols: number): Tensor[] | null => {
        const b = bottleneckBias(seqs, cols, this.cfg, step);
        return b && biasTensors(b, this.model.config.numLayers, seqs.length, cols, be);
      };
      const owned: Tensor[] = []; // hook captures, alive until the gradients are taken
      const { value, grads } = valueAndGrads(() => {
        let keys: Tensor | null = null;
        const hooks = kd ? [pickHook({ kind: 'mlp.down', layer: kd.layer ?? 1 }, 'input', realTokens(batch), (t) => owned.push((keys = t)))] : [];
        let loss = smoothedCrossEntropy(this.model.forward(ids, { hooks, ...(attentionBias ? { attentionBias } : {}) }).logits!, tg, mask, this.cfg.labelSmoothing ?? 0);
        if (kd) loss = add(loss, mul(keyDecorrelationPenalty(keys!), kd.weight));
        if (pairs) loss = add(loss, mul(interchangeLoss(this.model, pairs, ic!.layer ?? 1, this.pad, biasOf, owned), ic!.weight));
        return loss;
      }, params);
      for (const t of owned) t.dispose();
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

/** The subject bottleneck's additive scores of a batch: one `[B·S·S]` array for every layer, and one for layers `0..layer`. */
export interface BottleneckBias {
  all: Float64Array;
  early: Float64Array | null;
  layer: number;
}

/**
 * The subject bottleneck of a batch at a step (see `TrainConfig.subjectBottleneck`), as additive scores
 * `[B, 1, S, S]` row-major over the collated inputs (`S = cols`), or null when it is off at this step or
 * no line is masked. Which lines are masked depends on the config's seed, the step and the row only.
 */
export function bottleneckBias(seqs: readonly Seq[], cols: number, cfg: TrainConfig, step: number): BottleneckBias | null {
  const o = cfg.subjectBottleneck;
  if (!o) return null;
  const p = o.probability ?? 1;
  const until = o.until ?? 1;
  const layer = o.layer ?? -1;
  if (!(p >= 0 && p <= 1)) throw new RangeError(`subjectBottleneck.probability must be in [0, 1], got ${o.probability}`);
  if (!(until >= 0 && until <= 1)) throw new RangeError(`subjectBottleneck.until must be in [0, 1], got ${o.until}`);
  if (!Number.isInteger(layer) || layer < -1 || layer >= cfg.model.numLayers) throw new RangeError(`subjectBottleneck.layer must be an integer in -1..${cfg.model.numLayers - 1}, got ${o.layer}`);
  if (step >= until * cfg.steps) return null;
  const rng = new Rng((cfg.seed ^ Math.imul(step + 1, 0x2545f491)) >>> 0);
  const n = seqs.length * cols * cols;
  const all = new Float64Array(n);
  const early = layer >= 0 ? new Float64Array(n) : null;
  let any = false;
  seqs.forEach((s, r) => {
    const draw = rng.uniform();
    if (!s.subject || draw >= p) return;
    const [f, l] = s.subject;
    any = true;
    for (let i = l + 1; i < cols; i++) {
      const at = (r * cols + i) * cols;
      for (let j = f; j < l; j++) all[at + j] = MASKED_SCORE;
      if (early) for (let j = f; j <= l; j++) early[at + j] = MASKED_SCORE;
    }
  });
  return any ? { all, early, layer } : null;
}

/** The per-layer bias tensors of a {@link BottleneckBias} (`ForwardOptions.attentionBias`). */
function biasTensors(b: BottleneckBias, layers: number, rows: number, cols: number, backend: Backend): Tensor[] {
  const all = tensor(b.all, [rows, 1, cols, cols], { backend });
  const early = b.early ? tensor(b.early, [rows, 1, cols, cols], { backend }) : null;
  return Array.from({ length: layers }, (_, l) => (early && l <= b.layer ? early : all));
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
