/**
 * `@crossedit/backbone-llama`: the generic LLaMA / LLaMA-2 backbone, and the pieces every LLaMA-family backbone
 * reuses — the checkpoint {@link WeightLayout}, streaming {@link loadLlamaFamily} (HF safetensors / PyTorch
 * `.bin`, single or sharded, and LLaMA GGUF), HF `config.json` reading, the GGUF-embedded tokenizer, and
 * {@link defineLlamaFamily}.
 *
 * @packageDocumentation
 */
import { LLAMA2_7B } from './config.js';
import { defineLlamaFamily } from './define.js';
import { LLAMA_LAYOUT } from './layout.js';

export { LLAMA2_7B } from './config.js';
export { LLAMA_LAYOUT, ROTARY_BUFFERS, fusedQkvLayout, type FusedQkvOptions, type FileTensor, type WeightLayout, type WeightPart } from './layout.js';
export { modelConfigFromHf, readHfConfig } from './hf-config.js';
export { locateModel, openLocation, type ModelLocation } from './locate.js';
export { loadLlamaFamily, checkCheckpoint, type LoadLlamaFamilyOptions } from './load.js';
export { ggufTokenizer, ggufTokenizerModel, ggufTokenizerProto } from './gguf-tokenizer.js';
export { createFamilyTokenizer, sharedTokenizerPath, type FamilyTokenizerOptions } from './tokenizer.js';
export { defineLlamaFamily, type LlamaFamilyBackbone, type LlamaFamilyDefinition, type LlamaFamilyLoadOptions } from './define.js';

/**
 * The generic LLaMA / LLaMA-2 backbone: HF directories in the plain LLaMA layout (config from `config.json`) or
 * LLaMA GGUF files (config and tokenizer from the metadata). No tokenizer ships in `../shared`: it comes from
 * the model directory, the GGUF, or a user path.
 */
const llama = defineLlamaFamily({
  id: 'llama',
  description: 'LLaMA / LLaMA-2 (HF safetensors or .bin, or a LLaMA GGUF); published config: LLaMA-2-7B',
  config: LLAMA2_7B,
  layout: LLAMA_LAYOUT,
  tokenizerHint: 'LLaMA tokenizers are not shipped in ../shared; use the model directory\'s tokenizer.model',
});

export default llama;
