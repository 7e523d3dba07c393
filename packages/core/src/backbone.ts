/** The backbone plugin contract: what a `@crossedit/backbone-<id>` package default-exports. */
import type { Backend } from './backend.js';
import type { LanguageModel, ModelConfig } from './model.js';
import type { WeightDTypeChoice, WeightDTypeRequest } from './weight-dtype.js';
import type { Tokenizer } from './tokenizer.js';

/** Where a backbone's files are. */
export interface BackboneSource {
  /** A local HF-style model directory (config.json, weights, tokenizer files). */
  modelDir?: string;
  /** A tokenizer file (`tokenizer.model` or `tokenizer.json`) overriding the one in modelDir. */
  tokenizerPath?: string;
}

/** Progress of a long step (loading weights, building statistics, ...). */
export interface Progress {
  (done: number, total: number, label?: string): void;
}

/** Options of {@link Backbone.loadModel}. */
export interface LoadModelOptions {
  backend: Backend;
  onProgress?: Progress;
  /**
   * Storage dtype of the weight matrices (`--dtype`; default `auto`, see `resolveWeightDType`). Optional
   * for implementers: a backbone that ignores it loads f32 (`modelWeightDType` then says so).
   */
  dtype?: WeightDTypeRequest;
  /** Called once with the resolved weight dtype and why, before the weights are read. */
  onDType?: (choice: WeightDTypeChoice) => void;
}

/** A backbone plugin. Everything model-specific lives here; methods see only `config` and the model. */
export interface Backbone {
  /** Short id, equal to the plugin folder's suffix (`chinese-llama2`). */
  readonly id: string;
  /** One line for `--help` and tables. */
  readonly description: string;
  /** The published model's architecture (what a real checkpoint of this backbone has). */
  readonly config: ModelConfig;
  /** Loads a model from local files; nothing is downloaded. */
  loadModel(src: BackboneSource, opts: LoadModelOptions): Promise<LanguageModel>;
  /** Creates the tokenizer from local files. */
  createTokenizer(src: BackboneSource): Promise<Tokenizer>;
}

/** Identity helper that type-checks a backbone plugin's default export. */
export function defineBackbone<B extends Backbone>(b: B): B {
  return b;
}
