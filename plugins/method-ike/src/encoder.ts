/**
 * Retrieval encoders: the backbone's own final hidden states (the default), mean-pooled over real
 * tokens and L2-normalised, and a BERT sentence-transformers directory (`encoderDir`).
 */
import { createHash } from 'node:crypto';
import {
  div,
  expandDims,
  matmul,
  norm,
  reshape,
  slice,
  sum,
  tensor,
  tidy,
  type Backend,
  type LanguageModel,
  type SentenceEncoder,
  type Tokenizer,
} from '@crossedit/core';
import { BertEncoder } from '@crossedit/transformer';

/**
 * Mean-pooled, unit-norm final hidden states of `model` as a {@link SentenceEncoder}. The id should name
 * the weights (see {@link backboneFingerprint}); by default it hashes the config only.
 */
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
        try {
          out.set(await emb.data(), at * dim);
        } finally {
          emb.dispose();
        }
      }
      return out;
    },
  };
}

const fingerprints = new WeakMap<LanguageModel, Promise<string>>();

/**
 * A cheap content fingerprint of a model's weights (config, every weight's name and shape, the first
 * row of each matrix and every vector), so that cached banks of two models with the same architecture
 * never mix. Memoised per model object.
 */
export function backboneFingerprint(model: LanguageModel): Promise<string> {
  let p = fingerprints.get(model);
  if (!p) {
    p = (async () => {
      const h = createHash('sha256').update(JSON.stringify(model.config));
      const all = model.weights();
      for (const name of [...all.keys()].sort()) {
        const w = all.get(name)!;
        h.update(`${name}[${w.shape.join(',')}]`);
        const t = w.rank === 2 ? tidy(() => slice(w, [0, 0], [1, w.shape[1]])) : w;
        const f = Float32Array.from(await t.data());
        if (t !== w) t.dispose();
        h.update(new Uint8Array(f.buffer));
      }
      return h.digest('hex');
    })();
    fingerprints.set(model, p);
  }
  return p;
}

const bertEncoders = new WeakMap<Backend, Map<string, Promise<BertEncoder>>>();

/** A {@link BertEncoder} for a sentence-transformers directory on `backend`, loaded once per process. */
export function bertEncoderFor(dir: string, backend: Backend): Promise<BertEncoder> {
  const byDir = bertEncoders.get(backend) ?? new Map<string, Promise<BertEncoder>>();
  bertEncoders.set(backend, byDir);
  const cached = byDir.get(dir);
  if (cached) return cached;
  const p = BertEncoder.load(dir, { backend });
  p.catch(() => byDir.delete(dir));
  byDir.set(dir, p);
  return p;
}
