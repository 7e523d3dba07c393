/**
 * `@crossedit/backbone-chinese-llama`: Chinese-LLaMA / Chinese-LLaMA-Plus-7B (LLaMA-7B with a 49953-piece
 * Chinese-extended SentencePiece vocabulary), in the plain HF LLaMA checkpoint layout.
 *
 * @packageDocumentation
 */
import { LLAMA_LAYOUT, defineLlamaFamily, type WeightLayout } from '@crossedit/backbone-llama';
import { CHINESE_LLAMA_PLUS_7B } from './config.js';

export { CHINESE_LLAMA_PLUS_7B } from './config.js';

/** Chinese-LLaMA checkpoints use HF LLaMA names; `rotary_emb.inv_freq` buffers are ignored. */
export const CHINESE_LLAMA_LAYOUT: WeightLayout = { ...LLAMA_LAYOUT, id: 'chinese-llama' };

/** The Chinese-LLaMA backbone; its tokenizer defaults to `../shared/tokenizers/chinese-llama-plus-7b/`. */
const chineseLlama = defineLlamaFamily({
  id: 'chinese-llama',
  description: 'Chinese-LLaMA / Chinese-LLaMA-Plus-7B (vocab 49953, eps 1e-6, 2048 positions)',
  config: CHINESE_LLAMA_PLUS_7B,
  layout: CHINESE_LLAMA_LAYOUT,
  sharedTokenizer: 'chinese-llama-plus-7b',
});

export default chineseLlama;
