/**
 * The editing-method contract: what a `@crossedit/method-<id>` package default-exports. An edit is a
 * reversible value: `apply` returns the weight deltas (or the prompt context it adds) and `restore()`,
 * the only undo path. Schedules (single, batch, sequential) belong to the evaluator, not to methods.
 */
import type { Backend } from './backend.js';
import { HparamError, type HparamSchema } from './hparams.js';
import type { LanguageModel, ModelConfig, WeightRef } from './model.js';
import type { Rng } from './random.js';
import type { Tensor } from './tensor.js';
import type { Tokenizer } from './tokenizer.js';
import { editableWeight } from './weight-dtype.js';

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
  /** Where methods look for trained artifacts (MEND, SERAC), when given. */
  artifactDir?: string;
  /**
   * Loads another checkpoint directory of the session's backbone plugin (f32, on this context's backend),
   * when the host offers it: for methods with a separate model of their own (SERAC's counterfactual model,
   * `--cf-model-dir`). The method never names a backbone; the host resolves the plugin.
   */
  loadCheckpoint?: (dir: string) => Promise<LanguageModel>;
}

/** The outcome of `apply`. */
export interface EditResult {
  /** Weight changes, already applied to the model. */
  deltas: WeightDelta[];
  /**
   * For methods that edit the input instead of the weights (IKE): turns an evaluation question into
   * the prompt the model sees. `factTarget`, when given, is the answer the edit's fact line should state
   * instead of the request's target: the `bizsre-*` scorer modes pass the new answer in the evaluated
   * item's language, as the paper's code did (`New Fact: {en prompt} {zh alt}` for a Chinese item of an
   * English edit).
   */
  wrapPrompt?: (question: string, factTarget?: string) => string;
  /**
   * For methods that answer through a wrapper instead of changed weights (SERAC's memory, classifier and
   * counterfactual model): the model to evaluate in place of `ctx.model` while the edit is in effect. It
   * is valid until `restore()`; the evaluator uses the last result's model of a sequential group.
   */
  model?: LanguageModel;
  /** Undoes the edit exactly (bit-identical weights). */
  restore(): Promise<void>;
  /** Numbers worth reporting (losses, steps, timings in ms). */
  diagnostics: Record<string, number | string>;
}

/** A trained artifact a method reads (MEND's hypernetwork, SERAC's classifier). */
export interface TrainedArtifactRequirement {
  /** What kind of artifact, e.g. the method id that trains it (`mend`). */
  kind: string;
  /** One line for error messages: what it is and how to build it. */
  doc: string;
}

/**
 * What a method needs from the host for given hyperparameters; a host reads these instead of the
 * method's hyperparameters by name.
 */
export interface MethodRequirements {
  /** Gradients through the model (every backend has them; informative). */
  gradients: boolean;
  /**
   * Layers whose `mlp.down` input second moments the method reads through `ctx.stats` (absent or
   * empty: the host need not open statistics). The host names them in the command that builds missing
   * statistics.
   */
  statsLayers?: readonly number[];
  /** A trained artifact, when the method needs one. */
  trainedArtifact?: TrainedArtifactRequirement;
}

/**
 * How a method's edit reaches the model: `weights` changes weights (`EditResult.deltas`), `prompt`
 * changes the prompt the model sees (`EditResult.wrapPrompt`, IKE). Evaluation layouts that differ
 * between the two (see docs/scoring.md) read this, never the method's id.
 */
export type EditSurface = 'weights' | 'prompt';

/** A named hyperparameter set, chosen with `--preset NAME`. */
export interface NamedPreset<H> {
  /** One line: what it is for. */
  doc: string;
  hparams: Partial<H>;
}

/** Progress of an artifact training run, after each iteration. */
export interface TrainProgress {
  iter: number;
  maxIters: number;
  loss: number;
  /** The edit loss part. */
  edit: number;
  /** The locality loss part. */
  loc: number;
  /** The last validation edit accuracy, if any. */
  valAcc: number | null;
}

/** What {@link EditMethod.train} gets (what `crossedit train-editor` passes). */
export interface TrainArtifactOptions {
  model: LanguageModel;
  tokenizer: Tokenizer;
  backbone: { id: string; config: ModelConfig };
  /** Training files (ZsRE-format JSON or question/answer pairs) and their languages. */
  data: readonly { file: string; lang: string }[];
  /** Use the first N examples of each file (the training-scale study). */
  trainLimit?: number;
  /** Examples held out from the end of each file for validation. */
  validation?: number;
  seed: number;
  /** The run's folder (checkpoint, curves). */
  runDir: string;
  /** Where the finished artifact is written. */
  outDir: string;
  /** JSON overrides of the method's training configuration. */
  overrides?: unknown;
  /** Continue from the run's checkpoint (default true). */
  resume?: boolean;
  /** Stop (resumably) after this many iterations of this session. */
  stopAfter?: number;
  signal?: AbortSignal;
  onProgress?: (p: TrainProgress) => void;
  log?: (line: string) => void;
  /**
   * Loads another checkpoint directory of the session's backbone plugin (f32, on this context's backend),
   * when the host offers it: for methods with a separate model of their own (SERAC's counterfactual model,
   * `--cf-model-dir`). The method never names a backbone; the host resolves the plugin.
   */
  loadCheckpoint?: (dir: string) => Promise<LanguageModel>;
}

/** What {@link EditMethod.train} returns. */
export interface TrainArtifactResult {
  finished: boolean;
  /** The artifact written, or null when the run stopped before its end. */
  artifact: string | null;
  iterations: number;
  optimizerSteps: number;
  seconds: number;
  stopped: string | null;
  best: { editAcc: number; optStep: number } | null;
  /** Training examples used. */
  examples: number;
}

/** An editing method. */
export interface EditMethod<H = Record<string, unknown>> {
  /** Short id, equal to the plugin folder's suffix (`rome`). */
  readonly id: string;
  readonly description: string;
  readonly hparams: HparamSchema<H>;
  /** What the host must provide for these (parsed) hyperparameters. */
  requires(hparams: H): MethodRequirements;
  /** Schedules the method supports beyond `single`; hosts refuse the others before any edit. */
  readonly supports: { batch: boolean; sequential: boolean };
  /** Where the edit lives (default `weights`). */
  readonly edits?: EditSurface;
  /**
   * Prompt-surface methods only (optional): the edit's context without its retrieved demonstrations
   * around `question`, with `factTarget` as the fact's answer (IKE: `New Fact: {p} {factTarget}\nPrompt:
   * {question}`). The `bizsre-*` scorer modes run the pre-edit rephrase and locality items in it, as the
   * paper's code did; without it they run the bare question.
   */
  preEditContext?(request: EditRequest, factTarget: string, question: string): string;
  /** Defaults for a backbone, computed from its config (layer indices scale with depth). */
  presets?(backbone: { id: string; config: ModelConfig }): Partial<H>;
  /**
   * Named hyperparameter sets (`--preset NAME`), applied over the backbone presets and under explicit
   * overrides. By convention `demo-<backbone id>` is what `crossedit demo` uses on that backbone.
   */
  readonly namedPresets?: Readonly<Record<string, NamedPreset<H>>>;
  /**
   * Methods whose `requires` names a trained artifact (MEND, SERAC), optionally: trains one (seeded,
   * resumable) and writes it where `apply` finds it. `crossedit train-editor` calls this; `apply` never trains.
   */
  train?(opts: TrainArtifactOptions): Promise<TrainArtifactResult>;
  /** Applies the edits to `ctx.model` and returns how to undo them. */
  apply(ctx: EditContext, requests: readonly EditRequest[], hparams: H): Promise<EditResult>;
}

/**
 * The hyperparameter layers a host parses, in order: the backbone presets, then the named preset
 * (when given), then explicit overrides. Pass the result to `parseHparams`.
 * @throws HparamError when `preset` is not one of the method's named presets.
 */
export function hparamLayers<H>(
  method: EditMethod<H>,
  backbone: { id: string; config: ModelConfig },
  preset: string | undefined,
  overrides: Record<string, unknown> | undefined,
): (Partial<Record<string, unknown>> | undefined)[] {
  let named: Partial<H> | undefined;
  if (preset !== undefined) {
    const p = method.namedPresets?.[preset];
    if (!p) {
      const known = Object.keys(method.namedPresets ?? {});
      throw new HparamError(`${method.id}: unknown preset '${preset}' (known: ${known.length ? known.join(', ') : 'none'})`);
    }
    named = p.hparams;
  }
  return [method.presets?.(backbone) as Record<string, unknown> | undefined, named as Record<string, unknown> | undefined, overrides];
}

/**
 * Composes the prompt wrappers of edits applied one after another: the last edit's context ends up
 * outermost. Undefined when no edit wraps prompts.
 */
export function composeWrapPrompts(results: readonly Pick<EditResult, 'wrapPrompt'>[]): EditResult['wrapPrompt'] {
  type Wrap = NonNullable<EditResult['wrapPrompt']>;
  const wraps = results.map((r) => r.wrapPrompt).filter((w): w is Wrap => w !== undefined);
  if (wraps.length === 0) return undefined;
  if (wraps.length === 1) return wraps[0];
  return (q, factTarget) => wraps.reduce((acc, w) => w(acc, factTarget), q);
}

/** Identity helper that type-checks a method plugin's default export. */
export function defineMethod<H>(m: EditMethod<H>): EditMethod<H> {
  return m;
}

/**
 * Applies deltas to the model (W ← W + ΔW) and returns a restore function that puts the original
 * tensors back (bit-identical). The originals stay alive until restore or release. A weight stored in
 * f16 is edited in f32 (`f32(W) + ΔW`, see {@link editableWeight}); restore returns the f16 original.
 */
export function applyDeltas(model: LanguageModel, deltas: readonly WeightDelta[], add: (a: Tensor, b: Tensor) => Tensor): () => Promise<void> {
  const originals: [WeightRef, Tensor][] = [];
  for (const d of deltas) {
    const w = model.weight(d.ref);
    const base = editableWeight(w);
    const next = add(base, d.delta);
    if (base !== w) base.dispose();
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
