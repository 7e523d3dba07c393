/**
 * The editing-method contract: what a `@crossedit/method-<id>` package default-exports. An edit is a
 * reversible value: `apply` returns the weight deltas (or the prompt context it adds) and `restore()`,
 * the only undo path. Schedules (single, batch, sequential) belong to the evaluator, not to methods.
 */
import type { Backend } from './backend.js';
import type { HparamSchema } from './hparams.js';
import type { LanguageModel, ModelConfig, WeightRef } from './model.js';
import type { Rng } from './random.js';
import type { Tensor } from './tensor.js';
import type { Tokenizer } from './tokenizer.js';

/** One fact to insert. */
export interface EditRequest {
  /** Stable id (record index and language), used in results. */
  id: string;
  /** The edit prompt, e.g. a question. Contains `subject`. */
  prompt: string;
  /** The subject substring of `prompt`. */
  subject: string;
  /** The new answer. */
  target: string;
  /** The old answer, if known (KN uses it). */
  groundTruth?: string;
  /** Language code of prompt and target (`en`, `zh`). */
  lang: string;
}

/** A change to one weight. */
export interface WeightDelta {
  ref: WeightRef;
  /** `W_new - W_old`, `[out, in]`. */
  delta: Tensor;
}

/** Second-moment statistics of a module's keys, read by MEMIT (and ROME with adjustment). */
export interface StatsProvider {
  /**
   * `E[k k^T]` of the `mlp.down` input at `layer`, `[M, M]`; throws an error that prints the command
   * building the artifact when it is missing.
   */
  secondMoment(layer: number): Promise<Tensor>;
}

/** Messages and progress. */
export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  debug?(msg: string): void;
}

/** What a method gets to work with. */
export interface EditContext {
  model: LanguageModel;
  tokenizer: Tokenizer;
  /** The backbone's id and architecture (for presets); never branch on the id in method code. */
  backbone: { id: string; config: ModelConfig };
  backend: Backend;
  rng: Rng;
  stats?: StatsProvider;
  log: Logger;
  /** A directory for caches (context templates, demonstration banks). */
  cacheDir?: string;
  /** Where methods read training data (IKE banks), when given. */
  dataDir?: string;
}

/** The outcome of `apply`. */
export interface EditResult {
  /** Weight changes, already applied to the model. */
  deltas: WeightDelta[];
  /**
   * For methods that edit the input instead of the weights (IKE): turns an evaluation question into
   * the prompt the model sees.
   */
  wrapPrompt?: (question: string) => string;
  /** Undoes the edit exactly (bit-identical weights). */
  restore(): Promise<void>;
  /** Numbers worth reporting (losses, steps, timings in ms). */
  diagnostics: Record<string, number | string>;
}

/** What a method needs from the host. */
export interface MethodRequirements {
  gradients: boolean;
  /** Second-moment statistics of these layers (by default hparams). */
  stats?: boolean;
  /** A trained artifact (MEND, SERAC). */
  trainedArtifact?: boolean;
}

/** An editing method. */
export interface EditMethod<H = Record<string, unknown>> {
  /** Short id, equal to the plugin folder's suffix (`rome`). */
  readonly id: string;
  readonly description: string;
  readonly hparams: HparamSchema<H>;
  readonly requires: MethodRequirements;
  readonly supports: { batch: boolean; sequential: boolean };
  /** Defaults for a backbone, computed from its config (layer indices scale with depth). */
  presets?(backbone: { id: string; config: ModelConfig }): Partial<H>;
  /** Applies the edits to `ctx.model` and returns how to undo them. */
  apply(ctx: EditContext, requests: readonly EditRequest[], hparams: H): Promise<EditResult>;
}

/** Identity helper that type-checks a method plugin's default export. */
export function defineMethod<H>(m: EditMethod<H>): EditMethod<H> {
  return m;
}

/**
 * Applies deltas to the model (W ← W + ΔW) and returns a restore function that puts the original
 * tensors back (bit-identical). The originals stay alive until restore or release.
 */
export function applyDeltas(model: LanguageModel, deltas: readonly WeightDelta[], add: (a: Tensor, b: Tensor) => Tensor): () => Promise<void> {
  const originals: [WeightRef, Tensor][] = [];
  for (const d of deltas) {
    const w = model.weight(d.ref);
    const next = add(w, d.delta);
    originals.push([d.ref, model.setWeight(d.ref, next)]);
  }
  let done = false;
  return async () => {
    if (done) return;
    done = true;
    for (let i = originals.length - 1; i >= 0; i--) {
      const [ref, orig] = originals[i];
      model.setWeight(ref, orig).dispose();
    }
  };
}
