/**
 * `@crossedit/backbone-baichuan`: Baichuan-7B, a LLaMA-architecture model whose checkpoints store each layer's
 * q, k and v projections fused in one `self_attn.W_pack.weight` `[3d, d]` (rows q, k, v in that order), split
 * on load into the canonical `q_proj`, `k_proj`, `v_proj`.
 *
 * @packageDocumentation
 */
import { defineLlamaFamily, fusedQkvLayout, type WeightLayout } from '@crossedit/backbone-llama';
import { BAICHUAN_7B, checkBaichuanConfig } from './config.js';

export { BAICHUAN_7B, checkBaichuanConfig } from './config.js';

/** Baichuan's layout: HF LLaMA names except the fused `model.layers.{i}.self_attn.W_pack.weight`. */
export const BAICHUAN_LAYOUT: WeightLayout = fusedQkvLayout({ id: 'baichuan' });

/** The Baichuan-7B backbone; its tokenizer defaults to `../shared/tokenizers/baichuan-7b/`. */
const baichuan = defineLlamaFamily({
  id: 'baichuan',
  description: 'Baichuan-7B (fused W_pack q/k/v; vocab 64000, eps 1e-6, 4096 positions)',
  config: BAICHUAN_7B,
  layout: BAICHUAN_LAYOUT,
  sharedTokenizer: 'baichuan-7b',
  checkConfig: checkBaichuanConfig,
});

export default baichuan;
