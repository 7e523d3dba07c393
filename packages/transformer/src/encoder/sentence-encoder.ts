/** {@link BertEncoder}: a BERT-family sentence encoder behind core's `SentenceEncoder` contract. */
import { tensor, tidy, type SentenceEncoder, type Tensor } from '@crossedit/core';
import { loadBertDirectory, type LoadBertOptions, type LoadedBert } from './load.js';
import { clsPool, l2Normalize, meanPool } from './pooling.js';

/** Options of {@link BertEncoder.load}. */
export interface BertEncoderOptions extends LoadBertOptions {
  /** Texts per forward pass (default 32). */
  batchSize?: number;
}

/**
 * A sentence-transformers encoder (e.g. all-MiniLM-L6-v2): WordPiece tokens → BERT → mean pooling
 * over the attention mask → L2 normalisation. Exact GELU uses an erf approximation with absolute
 * error below 1.5e-7 (Abramowitz & Stegun 7.1.26).
 *
 * @example
 * ```ts
 * const enc = await BertEncoder.load('/models/all-MiniLM-L6-v2', { backend });
 * const v = await enc.encode(['New Fact: …']); // Float32Array, 384 per text, unit rows
 * enc.dispose();
 * ```
 */
export class BertEncoder implements SentenceEncoder {
  readonly id: string;
  readonly dim: number;
  readonly #bert: LoadedBert;
  readonly #batchSize: number;

  private constructor(bert: LoadedBert, batchSize: number) {
    this.#bert = bert;
    this.#batchSize = batchSize;
    this.dim = bert.config.hiddenSize;
    this.id = `bert:${bert.sha256.slice(0, 32)}`;
  }

  /** Loads a local directory; see {@link loadBertDirectory}. */
  static async load(dir: string, opts: BertEncoderOptions = {}): Promise<BertEncoder> {
    return new BertEncoder(await loadBertDirectory(dir, opts), opts.batchSize ?? 32);
  }

  /** The loaded network, tokenizer and pooling mode. */
  get loaded(): LoadedBert {
    return this.#bert;
  }

  /** Unit-norm embeddings of `texts`, `[texts.length × dim]` row-major. */
  async encode(texts: readonly string[]): Promise<Float32Array> {
    const { model, tokenizer, pooling } = this.#bert;
    const out = new Float32Array(texts.length * this.dim);
    for (let at = 0; at < texts.length; at += this.#batchSize) {
      const chunk = texts.slice(at, at + this.#batchSize);
      const enc = await tokenizer.encodeBatch(chunk);
      const b = chunk.length;
      const s = enc.ids[0].length;
      const emb: Tensor = tidy(() => {
        const be = model.backend;
        const ids = tensor(Int32Array.from(enc.ids.flat()), [b, s], { backend: be, dtype: 'i32' });
        const mask = tensor(enc.mask.flat(), [b, s], { backend: be });
        const hidden = model.forward(ids, mask);
        return l2Normalize(pooling === 'cls' ? clsPool(hidden) : meanPool(hidden, mask));
      });
      try {
        out.set(await emb.data(), at * this.dim);
      } finally {
        emb.dispose();
      }
    }
    return out;
  }

  /** Releases the weights. */
  dispose(): void {
    this.#bert.model.dispose();
  }
}
