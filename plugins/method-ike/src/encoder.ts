/** The default retrieval encoder: the backbone's final hidden states, mean-pooled over real tokens, L2-normalised. */
import { createHash } from 'node:crypto';
import { div, expandDims, matmul, norm, reshape, sum, tensor, tidy, type LanguageModel, type SentenceEncoder, type Tokenizer } from '@crossedit/core';

/** Mean-pooled, unit-norm final hidden states of `model` as a {@link SentenceEncoder}. */
export function backboneEncoder(model: LanguageModel, tokenizer: Tokenizer, opts: { id?: string; batchSize?: number } = {}): SentenceEncoder {
  const dim = model.config.hiddenSize;
  const batchSize = opts.batchSize ?? 32;
  return {
    id: opts.id ?? `backbone:${createHash('sha256').update(JSON.stringify(model.config)).digest('hex').slice(0, 16)}`,
    dim,
    async encode(texts) {
      const out = new Float32Array(texts.length * dim);
      for (let at = 0; at < texts.length; at += batchSize) {
        const chunk = texts.slice(at, at + batchSize);
        const enc = tokenizer.encodeBatch(chunk, { paddingSide: 'right' });
        const b = chunk.length;
        const s = enc.ids[0]?.length ?? 0;
        const emb = tidy(() => {
          const be = model.backend;
          const ids = tensor(Int32Array.from(enc.ids.flat()), [b, s], { backend: be, dtype: 'i32' });
          const mask = tensor(enc.attentionMask.flat(), [b, s], { backend: be });
          const { hidden } = model.forward(ids, { attentionMask: mask, stopAfterLayer: model.config.numLayers - 1 });
          // mean over real tokens: [B,1,S] x [B,S,D] → [B,D]
          const pooled = reshape(matmul(expandDims(mask, 1), hidden), [b, dim]);
          const mean = div(pooled, reshape(sum(mask, 1), [b, 1]));
          return div(mean, reshape(norm(mean, 1), [b, 1]));
        });
        out.set(Float32Array.from(await emb.data()), at * dim);
        emb.dispose();
      }
      return out;
    },
  };
}

