/**
 * `@crossedit/backbone-baichuan2`: Baichuan2-7B — Baichuan's fused `W_pack` layout plus NormHead: the stored
 * `lm_head.weight` is used with each row L2-normalised at run time (`ModelConfig.normHead`), so edits to the
 * head keep that semantics. Its tokenizer is not in `../shared`: pass its `tokenizer.model` (or a model
 * directory holding it).
 *
 * @packageDocumentation
 */
import { defineLlamaFamily, type WeightLayout } from '@crossedit/backbone-llama';
import { BAICHUAN_LAYOUT, checkBaichuanConfig } from '@crossedit/backbone-baichuan';
import { BAICHUAN2_7B } from './config.js';

export { BAICHUAN2_7B } from './config.js';

/** Baichuan2's layout: Baichuan's fused `W_pack`, with the NormHead quirk. */
export const BAICHUAN2_LAYOUT: WeightLayout = { ...BAICHUAN_LAYOUT, id: 'baichuan2', quirks: { ...BAICHUAN_LAYOUT.quirks, normHead: true } };

/** The Baichuan2-7B backbone. */
const baichuan2 = defineLlamaFamily({
  id: 'baichuan2',
  description: 'Baichuan2-7B (fused W_pack q/k/v, NormHead; vocab 125696, eps 1e-6, 4096 positions)',
  config: BAICHUAN2_7B,
  layout: BAICHUAN2_LAYOUT,
  tokenizerHint: "Baichuan2's tokenizer.model is not in ../shared/tokenizers; pass the one from the Baichuan2-7B release (or a model directory holding it)",
  checkConfig: checkBaichuanConfig,
});

export default baichuan2;
