/** The `tiny` backbone plugin: the shipped weights and tokenizer in `assets/`, loaded like any LLaMA directory. */
import { defineBackbone, type BackboneSource } from '@crossedit/core';
import { LLAMA_LAYOUT, defineLlamaFamily, type LlamaFamilyBackbone } from '@crossedit/backbone-llama';
import { assetsDir } from './paths.js';
import { TINY_MODEL } from './train/config.js';

const family = defineLlamaFamily({
  id: 'tiny',
  description: 'Embedded bilingual English/Chinese LLaMA (6 layers, hidden 96, 1.25M parameters), trained by crossedit; weights included',
  config: TINY_MODEL,
  layout: LLAMA_LAYOUT,
});

/** The source with the shipped assets folder as the default model directory. */
function withAssets(src: BackboneSource): BackboneSource {
  return { ...src, modelDir: src.modelDir ?? assetsDir };
}

/**
 * The embedded default backbone. With an empty source it loads the weights and tokenizer shipped in the
 * package (`assets/`); a `modelDir` loads another run's export (e.g. `.cache/runs/main/final`).
 *
 * @example
 * ```ts
 * import tiny from '@crossedit/backbone-tiny';
 * const model = await tiny.loadModel({}, { backend: createCpuBackend() });
 * const tok = await tiny.createTokenizer({});
 * ```
 */
export const tiny: LlamaFamilyBackbone = defineBackbone<LlamaFamilyBackbone>({
  ...family,
  loadModel: (src, opts) => family.loadModel(withAssets(src), opts),
  createTokenizer: (src) => family.createTokenizer(withAssets(src)),
});
