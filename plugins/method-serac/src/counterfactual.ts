/**
 * The counterfactual model: a language model that reads the cached edit before the input (token ids
 * concatenated: it shares the backbone's tokenizer), optionally with a {@link CopyHead}. The embedded
 * default is the backbone itself, frozen, plus the copy head (`train: 'head'`); `train: 'all'` trains a
 * copy of the backbone's weights except the (tied) token embeddings, as EasyEdit fine-tunes its
 * counterfactual model; `source` builds it on another checkpoint (`--cf-model-dir`) that shares the
 * tokenizer's vocabulary.
 */
import { add, cast, matmul, rmsNorm, softmax, untrack, weightName, type LanguageModel, type ModelConfig, type Tensor, type WeightRef } from '@crossedit/core';
import { LlamaModel } from '@crossedit/transformer';
import { CopyHead, type CopyHeadArch, type PointerInputs } from './copy-head.js';
import type { CfSource } from './sources.js';

/** Architecture of the counterfactual model (recorded in the artifact). */
export interface CounterfactualArch {
  /** Which weights train: only the copy head (the backbone frozen and shared) or all but the embeddings. */
  train: 'head' | 'all';
  /** The copy head, or null for a plain language model. */
  copyHead: CopyHeadArch | null;
  /** The checkpoint directory the counterfactual backbone was loaded from and its weights hash (null: the base model). */
  source: CfSource | null;
}

/** The weights of the counterfactual model that `train: 'all'` trains (and stores in the artifact). */
export function counterfactualRefs(config: ModelConfig): WeightRef[] {
  const refs: WeightRef[] = [];
  for (let layer = 0; layer < config.numLayers; layer++) {
    for (const kind of ['attn.q', 'attn.k', 'attn.v', 'attn.o', 'mlp.gate', 'mlp.up', 'mlp.down', 'norm.attn', 'norm.mlp'] as const) refs.push({ kind, layer });
  }
  refs.push({ kind: 'norm.final' });
  return refs;
}

/** A counterfactual model: backbone (shared or with owned trained weights) and optional copy head. */
export class Counterfactual {
  readonly model: LanguageModel;
  /** The backbone weights that are trained (empty for `train: 'head'`). */
  readonly refs: WeightRef[];
  readonly head: CopyHead | null;
  #owned: Tensor[];

  /**
   * @param backbone the model it reads with (the base model, or another checkpoint of the same vocabulary)
   * @param trained weights by name to start from (an artifact's), else copies of the backbone's
   */
  constructor(
    backbone: LanguageModel,
    readonly arch: CounterfactualArch,
    trained?: ReadonlyMap<string, Tensor>,
  ) {
    this.refs = arch.train === 'all' ? counterfactualRefs(backbone.config) : [];
    this.head = arch.copyHead ? new CopyHead(backbone.config.hiddenSize, arch.copyHead, backbone.backend) : null;
    if (this.refs.length === 0) {
      this.model = backbone;
      this.#owned = [];
      return;
    }
    const weights = new Map(backbone.weights());
    this.#owned = this.refs.map((r) => {
      const name = weightName(r);
      const w = backbone.weight(r);
      // an own f32 copy (of an f16-stored base weight too: the counterfactual's weights are trained)
      const t = trained?.get(name) ?? (w.dtype === 'f16' ? cast(w, 'f32') : add(w, 0));
      weights.set(name, untrack(t));
      return t;
    });
    this.model = new LlamaModel(backbone.config, weights, { source: 'serac counterfactual' });
  }

  /** The trained parameters: backbone weights in {@link counterfactualRefs} order, then the head's. */
  params(): Tensor[] {
    return [...this.refs.map((r) => this.model.weight(r)), ...(this.head?.params() ?? [])];
  }

  /** Replaces the trained parameters (disposing the previous ones). */
  setParams(ps: readonly Tensor[]): void {
    this.refs.forEach((r, i) => {
      const old = this.model.setWeight(r, ps[i]);
      if (old !== ps[i]) old.dispose();
    });
    this.#owned = ps.slice(0, this.refs.length);
    this.head?.setParams(ps.slice(this.refs.length));
  }

  /** `[B, T, D]` final-normalised hidden states of `ids`. */
  normHidden(ids: Tensor, mask: Tensor): Tensor {
    const m = this.model;
    const h = m.forward(ids, { attentionMask: mask, stopAfterLayer: m.config.numLayers - 1 }).hidden;
    return rmsNorm(h, m.weight({ kind: 'norm.final' }), m.config.rmsNormEps);
  }

  /** `[N, V]` probabilities at normalised hidden rows `q` `[N, D]`; the copy head points into `ptr`. */
  probs(q: Tensor, ptr: PointerInputs | null): Tensor {
    if (this.model.config.normHead) throw new Error('serac counterfactual: normalised LM heads (Baichuan2) are not supported');
    const pLm = softmax(matmul(q, this.model.weight({ kind: 'lmHead' }), { transB: true }));
    return this.head && ptr ? this.head.mix(pLm, q, ptr) : pLm;
  }

  /** Releases the owned weights and the head (a shared backbone stays). */
  dispose(): void {
    for (const t of this.#owned) t.dispose();
    this.head?.dispose();
  }
}
