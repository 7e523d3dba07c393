/** A small top-k sampler for context templates (the reference's `generate_fast`). */
import { reshape, slice, tensor, tidy, topk, type KVCache, type LanguageModel, type Rng, type Tokenizer } from '@crossedit/core';

/** Options of {@link sampleTopK}. */
export interface SampleOptions {
  /** Rows sampled from the same prompt. */
  count: number;
  /** Total length in tokens, BOS and prompt included. */
  totalTokens: number;
  /** Sample among the k most likely tokens, proportionally to their probabilities. */
  topK: number;
  rng: Rng;
  /** Use the model's KV cache (default true); without it every step reruns the whole sequence. */
  useCache?: boolean;
}

/**
 * Samples `count` continuations of `prompt` up to `totalTokens` tokens and decodes them (special
 * tokens skipped). Sampling happens on the host with `rng`, so results are reproducible across
 * backends up to ties in the top-k.
 */
export async function sampleTopK(model: LanguageModel, tok: Tokenizer, prompt: string, opts: SampleOptions): Promise<string[]> {
  const start = tok.encode(prompt, { addBos: true }).ids;
  const seqs = Array.from({ length: opts.count }, () => [...start]);
  const steps = opts.totalTokens - start.length;
  let cache: KVCache | null = null;
  if (opts.useCache ?? true) {
    try {
      cache = model.createCache(opts.count);
    } catch {
      cache = null;
    }
  }
  const backend = model.backend;
  const v = model.config.vocabSize;
  const k = Math.min(opts.topK, v);
  try {
    for (let step = 0; step < steps; step++) {
      const from = cache && step > 0 ? seqs[0].length - 1 : 0;
      const width = seqs[0].length - from;
      const { values, indices } = tidy(() => {
        const ids = new Int32Array(opts.count * width);
        const pos = new Int32Array(opts.count * width);
        seqs.forEach((s, r) => {
          for (let j = 0; j < width; j++) {
            ids[r * width + j] = s[from + j];
            pos[r * width + j] = from + j;
          }
        });
        const { logits } = model.forward(tensor(ids, [opts.count, width], { backend, dtype: 'i32' }), {
          positions: tensor(pos, [opts.count, width], { backend, dtype: 'i32' }),
          cache: cache ?? undefined,
        });
        if (!logits) throw new Error('sampleTopK: the model returned no logits');
        const last = reshape(slice(logits, [0, width - 1, 0], [opts.count, 1, v]), [opts.count, v]);
        return topk(last, k);
      });
      const vals = await values.data();
      const idx = await indices.data();
      values.dispose();
      indices.dispose();
      for (let r = 0; r < opts.count; r++) {
        const row = Array.from(vals.subarray(r * k, (r + 1) * k));
        const mx = Math.max(...row);
        const p = row.map((x) => Math.exp(x - mx));
        seqs[r].push(idx[r * k + opts.rng.categorical(p)]);
      }
    }
  } finally {
    cache?.dispose();
  }
  return seqs.map((s) => tok.decode(s, { skipSpecialTokens: true }));
}
