/**
 * Chinese-LLaMA-2-7B backbone: its published config, tiny random checkpoints in its layout (HF LLaMA names,
 * a LLaMA-2 `config.json` with `num_key_value_heads` and `rope_theta`) in every format, and the real 55296-piece
 * tokenizer from `../shared/tokenizers/chinese-llama-2-7b/`.
 */
import { existsSync } from 'node:fs';
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ModelConfig } from '@crossedit/core';
import { sharedTokenizerPath } from '@crossedit/backbone-llama';
import { describeCheckpointSuite, llamaFileTensors, tinyHfConfig } from '@crossedit/backbone-llama/testing';
import chineseLlama2, { CHINESE_LLAMA2_7B } from './index.js';

const TINY: ModelConfig = {
  vocabSize: 40,
  hiddenSize: 16,
  intermediateSize: 24,
  numLayers: 2,
  numHeads: 4,
  numKvHeads: 4,
  rmsNormEps: 1e-5,
  ropeBase: 10000,
  maxPositions: 32,
  tieEmbeddings: false,
};

describe('backbone-chinese-llama2', () => {
  it('declares the published Chinese-LLaMA-2-7B architecture', () => {
    const folder = nodePath.basename(fileURLToPath(new URL('..', import.meta.url)));
    expect(`backbone-${chineseLlama2.id}`).toBe(folder);
    expect(chineseLlama2.config).toEqual(CHINESE_LLAMA2_7B);
    expect(chineseLlama2.config).toMatchObject({ vocabSize: 55296, rmsNormEps: 1e-5, maxPositions: 4096, numLayers: 32, hiddenSize: 4096, intermediateSize: 11008, numHeads: 32 });
  });

  it.skipIf(!existsSync(sharedTokenizerPath('chinese-llama-2-7b')))('loads the real tokenizer from ../shared (vocab = config vocab)', async () => {
    const tok = await chineseLlama2.createTokenizer({});
    expect(tok.vocabSize).toBe(CHINESE_LLAMA2_7B.vocabSize);
    const text = '李白是唐代的诗人。Li Bai was a poet.';
    const ids = tok.encode(text).ids;
    expect(ids[0]).toBe(tok.special.bos);
    expect(tok.decode(ids)).toBe(text);
    expect(tok.encode('诗人', { addBos: false }).ids.length).toBeLessThanOrEqual(2);
  });
});

describeCheckpointSuite({
  backbone: chineseLlama2,
  config: TINY,
  hfConfig: tinyHfConfig(TINY, { pretraining_tp: 1, transformers_version: '4.31.0' }),
  fileTensors: (h, c) => llamaFileTensors(h, c, { invFreq: false }),
});
