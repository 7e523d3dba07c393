/** The sentence-encoder contract used for retrieval (IKE's demonstration bank). */

/** Maps texts to L2-normalised embeddings. */
export interface SentenceEncoder {
  /** Identifies the encoder and its weights in cache keys, e.g. `minilm:sha256…` or `backbone:tiny:sha256…`. */
  readonly id: string;
  /** Embedding width. */
  readonly dim: number;
  /** Embeds texts; each row has unit L2 norm. Returns `[texts.length × dim]` row-major. */
  encode(texts: readonly string[]): Promise<Float32Array>;
}
