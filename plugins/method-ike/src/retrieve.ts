/** Cosine top-k over unit-norm embeddings (a dot product). */

/** Indices of the `k` rows of `bank` (`n × dim`) most similar to `query`, most similar first (ties: lower index). */
export function topKCosine(bank: Float32Array, dim: number, query: Float32Array, k: number): { index: number; score: number }[] {
  const n = bank.length / dim;
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    const o = i * dim;
    for (let j = 0; j < dim; j++) s += bank[o + j] * query[j];
    scores[i] = s;
  }
  const idx = Array.from({ length: n }, (_, i) => i);
  idx.sort((a, b) => scores[b] - scores[a] || a - b);
  return idx.slice(0, Math.min(k, n)).map((index) => ({ index, score: scores[index] }));
}
