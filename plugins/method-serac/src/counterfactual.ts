/**
 * The counterfactual model of the embedded default: a copy of the backbone (the reference uses a
 * separate llama-160m) whose weights, except the (tied) token embeddings, are trained. It shares the
 * backbone's tokenizer, so its input `cache text + " " + x` is built from token ids.
 */
import { add, cast, untrack, weightName, type LanguageModel, type ModelConfig, type Tensor, type WeightRef } from '@crossedit/core';
import { LlamaModel } from '@crossedit/transformer';

/** The weights of the counterfactual model that are trained (and stored in the artifact). */
export function counterfactualRefs(config: ModelConfig): WeightRef[] {
  const refs: WeightRef[] = [];
  for (let layer = 0; layer < config.numLayers; layer++) {
    for (const kind of ['attn.q', 'attn.k', 'attn.v', 'attn.o', 'mlp.gate', 'mlp.up', 'mlp.down', 'norm.attn', 'norm.mlp'] as const) refs.push({ kind, layer });
  }
  refs.push({ kind: 'norm.final' });
  return refs;
}

/** A counterfactual model: base weights shared, trained ones owned (from `trained`, or copies of the base's). */
export class Counterfactual {
  readonly model: LlamaModel;
  readonly refs: WeightRef[];
  #owned: Tensor[];

  constructor(base: LanguageModel, trained?: ReadonlyMap<string, Tensor>) {
    this.refs = counterfactualRefs(base.config);
    const weights = new Map(base.weights());
    this.#owned = this.refs.map((r) => {
      const name = weightName(r);
      const w = base.weight(r);
      // an own f32 copy (of an f16-stored base weight too: the counterfactual's weights are trained)
      const t = trained?.get(name) ?? (w.dtype === 'f16' ? cast(w, 'f32') : add(w, 0));
      weights.set(name, untrack(t));
      return t;
    });
    this.model = new LlamaModel(base.config, weights, { source: 'serac counterfactual' });
  }

  /** The trained weights, in {@link counterfactualRefs} order. */
  params(): Tensor[] {
    return this.refs.map((r) => this.model.weight(r));
  }

  /** Replaces the trained weights (disposing the previous ones). */
  setParams(ps: readonly Tensor[]): void {
    this.refs.forEach((r, i) => {
      const old = this.model.setWeight(r, ps[i]);
      if (old !== ps[i]) old.dispose();
    });
    this.#owned = [...ps];
  }

  /** Releases the owned weights (the shared base weights stay). */
  dispose(): void {
    for (const t of this.#owned) t.dispose();
  }
}
