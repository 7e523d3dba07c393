/**
 * The edited model SERAC hands to the evaluator: the base model is never modified; every forward pass
 * mixes it with the counterfactual model according to the classifier and the live edit memory.
 */
import { ones, type ForwardOptions, type ForwardResult, type KVCache, type LanguageModel, type Tensor, type WeightRef } from '@crossedit/core';
import type { ScopeClassifier } from './classifier.js';
import type { Counterfactual } from './counterfactual.js';
import type { MemoryEntry } from './memory.js';
import { prepareScope, seracForward } from './mixture.js';

/** A {@link LanguageModel} answering with SERAC's soft mixture (plain forward passes only). */
export class SeracModel implements LanguageModel {
  constructor(
    readonly base: LanguageModel,
    readonly counterfactual: Counterfactual,
    readonly classifier: ScopeClassifier,
    /** The memory to consult (read at every forward pass). */
    readonly memory: () => readonly MemoryEntry[],
    readonly hasBos: boolean,
  ) {}

  get config() {
    return this.base.config;
  }

  get backend() {
    return this.base.backend;
  }

  /**
   * Prepares a forward pass on `ids`: a BERT classifier tokenizes the decoded rows (asynchronous) so that
   * {@link forward} can run it synchronously; the evaluator awaits this before each forward pass. Nothing
   * to do for the bag classifier or an empty memory.
   */
  async prepare(ids: Tensor, opts: ForwardOptions = {}): Promise<void> {
    const mem = this.memory();
    if (this.classifier.arch.kind === 'bag' || mem.length === 0) return;
    const host = await ids.data();
    const mask = opts.attentionMask ? await opts.attentionMask.data() : new Float64Array(host.length).fill(1);
    await prepareScope(this.classifier, mem, ids, host, mask, this.hasBos);
  }

  forward(ids: Tensor, opts: ForwardOptions = {}): ForwardResult {
    if (opts.hooks?.length || opts.stopAfterLayer !== undefined || opts.cache || opts.positions || opts.logitsAt || opts.startAt) {
      throw new Error('serac: the edited model supports plain forward passes only (no hooks, caches, explicit positions, early stops or starts, or logitsAt)');
    }
    const mask = opts.attentionMask ?? ones(ids.shape, { backend: this.backend });
    const out = seracForward(this.base, this.counterfactual, this.classifier, this.memory(), ids, mask, { hasBos: this.hasBos });
    return { logits: out.logMix, hidden: out.hidden };
  }

  createCache(): KVCache {
    throw new Error('serac: the edited model has no key/value cache');
  }

  weight(ref: WeightRef): Tensor {
    return this.base.weight(ref);
  }

  setWeight(): Tensor {
    throw new Error('serac: the edited model wraps the base model; its weights are not edited');
  }

  weights(): ReadonlyMap<string, Tensor> {
    return this.base.weights();
  }

  /** Owns nothing: the base, counterfactual and classifier belong to their creators. */
  dispose(): void {}
}
