/** `defineLlamaFamily`: a complete backbone plugin from a config, a layout and a tokenizer source. */
import { defineBackbone, type Backbone, type BackboneSource, type Backend, type ModelConfig, type Progress, type Tokenizer } from '@crossedit/core';
import type { LlamaModel } from '@crossedit/transformer';
import type { WeightLayout } from './layout.js';
import { loadLlamaFamily, type LoadLlamaFamilyOptions } from './load.js';
import { createFamilyTokenizer } from './tokenizer.js';

/** What a LLaMA-family backbone declares. */
export interface LlamaFamilyDefinition {
  /** Equal to the plugin folder's suffix. */
  id: string;
  /** One line for `--help` and tables. */
  description: string;
  /** The published model's architecture (the layout's quirks are added). */
  config: ModelConfig;
  /** Checkpoint tensor names, fused tensors, ignored buffers, quirks. */
  layout: WeightLayout;
  /** Folder under `../shared/tokenizers/` with the published `tokenizer.model`, when one is available. */
  sharedTokenizer?: string;
  /** Added to the "no tokenizer" error. */
  tokenizerHint?: string;
  /** Refuses configs of variants this backbone cannot run (see {@link LoadLlamaFamilyOptions.checkConfig}). */
  checkConfig?: (config: ModelConfig, file: string) => void;
}

/** Options of {@link LlamaFamilyBackbone.loadModel}. */
export interface LlamaFamilyLoadOptions {
  backend: Backend;
  onProgress?: Progress;
  /** Config fields overriding the files' (e.g. a shorter `maxPositions`). */
  config?: Partial<ModelConfig>;
  /** Storage dtype of the weight matrices (see {@link LoadLlamaFamilyOptions.dtype}; default `auto`). */
  dtype?: LoadLlamaFamilyOptions['dtype'];
  /** Called once with the resolved weight dtype and why. */
  onDType?: LoadLlamaFamilyOptions['onDType'];
  /** The device-memory budget the weights must fit (see {@link LoadLlamaFamilyOptions.deviceMemoryBytes}). */
  deviceMemoryBytes?: number;
  /** Called with the fit estimate before the first tensor is read. */
  onFit?: LoadLlamaFamilyOptions['onFit'];
}

/** A LLaMA-family backbone plugin: the core `Backbone`, its layout, and a loader returning `LlamaModel`. */
export interface LlamaFamilyBackbone extends Backbone {
  /** The checkpoint layout. */
  readonly layout: WeightLayout;
  /** The published tokenizer's folder under `../shared/tokenizers/`, if any. */
  readonly sharedTokenizer?: string;
  loadModel(src: BackboneSource, opts: LlamaFamilyLoadOptions): Promise<LlamaModel>;
  createTokenizer(src: BackboneSource): Promise<Tokenizer>;
}

/**
 * Builds a backbone plugin for a LLaMA-family model: `loadModel` streams an HF directory (or a LLaMA GGUF)
 * through {@link loadLlamaFamily} with this layout, using `config` for fields the files omit; `createTokenizer`
 * follows {@link createFamilyTokenizer}.
 *
 * @example
 * ```ts
 * export default defineLlamaFamily({
 *   id: 'baichuan', description: 'Baichuan-7B', config: BAICHUAN_7B, layout: BAICHUAN_LAYOUT,
 *   sharedTokenizer: 'baichuan-7b',
 * });
 * ```
 */
export function defineLlamaFamily(def: LlamaFamilyDefinition): LlamaFamilyBackbone {
  const config: ModelConfig = { ...def.config, ...def.layout.quirks };
  return defineBackbone<LlamaFamilyBackbone>({
    id: def.id,
    description: def.description,
    config,
    layout: def.layout,
    sharedTokenizer: def.sharedTokenizer,
    loadModel: (src, opts) =>
      loadLlamaFamily(src, {
        backend: opts.backend,
        layout: def.layout,
        defaults: config,
        config: opts.config,
        checkConfig: def.checkConfig,
        onProgress: opts.onProgress,
        dtype: opts.dtype,
        onDType: opts.onDType,
        deviceMemoryBytes: opts.deviceMemoryBytes,
        onFit: opts.onFit,
      }),
    createTokenizer: (src) => createFamilyTokenizer(src, { id: def.id, shared: def.sharedTokenizer, hint: def.tokenizerHint }),
  });
}
