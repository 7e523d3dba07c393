/**
 * `@crossedit/backbone-chinese-llama2`: Chinese-LLaMA-2-7B (LLaMA-2-7B with a 55296-piece vocabulary), in the
 * plain HF LLaMA checkpoint layout.
 *
 * @packageDocumentation
 */
import { LLAMA_LAYOUT, defineLlamaFamily, type WeightLayout } from '@crossedit/backbone-llama';
import { CHINESE_LLAMA2_7B } from './config.js';

export { CHINESE_LLAMA2_7B } from './config.js';

/** Chinese-LLaMA-2 checkpoints use HF LLaMA names; `rotary_emb.inv_freq` buffers are ignored. */
export const CHINESE_LLAMA2_LAYOUT: WeightLayout = { ...LLAMA_LAYOUT, id: 'chinese-llama2' };

/** The Chinese-LLaMA-2 backbone; its tokenizer defaults to `../shared/tokenizers/chinese-llama-2-7b/`. */
const chineseLlama2 = defineLlamaFamily({
  id: 'chinese-llama2',
  description: 'Chinese-LLaMA-2-7B (vocab 55296, eps 1e-5, 4096 positions)',
  config: CHINESE_LLAMA2_7B,
  layout: CHINESE_LLAMA2_LAYOUT,
  sharedTokenizer: 'chinese-llama-2-7b',
});

export default chineseLlama2;
