/** Autoregressive generation with the KV cache: greedy and seeded top-k sampling. */
import { argmax, tensor, tidy, topk, type LanguageModel, type Rng, type Tensor } from '@crossedit/core';
import { selectAt } from './hooks.js';

/** Options of {@link generate}. */
export interface GenerateOptions {
  /** Most tokens to add per row. */
  maxNewTokens: number;
  /** A row stops after producing this id (it is included in the output). */
  eosId?: number | null;
  /** Sample from the `topK` most likely tokens (needs `rng`); greedy when absent or 1. */
  topK?: number;
  /** Softmax temperature of top-k sampling (default 1). */
  temperature?: number;
  /** Seeded generator for sampling. */
  rng?: Rng;
  /** Id fed for rows that already stopped (masked out; default `eosId ?? 0`). */
  padId?: number;
}

/** A prompt batch: ids `[B][S]` and optionally the mask (1 real, 0 padding; left or right padding). */
export interface PromptBatch {
  ids: readonly (readonly number[])[];
  attentionMask?: readonly (readonly number[])[];
}

/** Result of {@link generate}. */
export interface GenerateResult {
  /** New ids per row (ending in `eosId` when the row stopped there). */
  tokens: number[][];
  /** Whether each row stopped at `eosId`. */
  stoppedAtEos: boolean[];
}

/**
 * Continues each prompt by up to `maxNewTokens` tokens, one batched forward per step with a KV cache.
 * Greedy picks the first argmax; top-k sampling draws from `softmax(top-k logits / temperature)` with
 * the seeded `rng`, so a seed reproduces the output on any backend (up to logit ties).
 *
 * @example
 * ```ts
 * const { tokens } = await generate(model, { ids: [tok.encode('Once upon a time').ids] }, { maxNewTokens: 20, eosId: tok.special.eos });
 * console.log(tok.decode(tokens[0]));
 * ```
 */
export async function generate(model: LanguageModel, prompt: PromptBatch | readonly number[], opts: GenerateOptions): Promise<GenerateResult> {
  const batch: PromptBatch = isIdList(prompt) ? { ids: [prompt] } : prompt;
  const b = batch.ids.length;
  const s = batch.ids[0]?.length ?? 0;
  if (b === 0 || s === 0) throw new RangeError('generate: the prompt batch is empty');
  if (batch.ids.some((r) => r.length !== s)) throw new RangeError('generate: prompt rows must have equal (padded) lengths');
  const mask = batch.attentionMask ?? batch.ids.map((r) => r.map(() => 1));
  const lastReal = mask.map((r, i) => {
    let j = r.length - 1;
    while (j >= 0 && r[j] === 0) j--;
    if (j < 0) throw new RangeError(`generate: prompt row ${i} has no real token`);
    return j;
  });
  const k = opts.topK ?? 1;
  if (k > 1 && !opts.rng) throw new RangeError('generate: top-k sampling needs opts.rng');
  const eos = opts.eosId ?? null;
  const padId = opts.padId ?? eos ?? 0;
  const tokens: number[][] = batch.ids.map(() => []);
  const done = new Array<boolean>(b).fill(false);
  const stopped = new Array<boolean>(b).fill(false);
  const cache = model.createCache(b);
  const be = model.backend;
  if (opts.maxNewTokens <= 0) return { tokens, stoppedAtEos: stopped };
  let ids = tensor(Int32Array.from(batch.ids.flat()), [b, s], { backend: be, dtype: 'i32' });
  let m = tensor(mask.flat(), [b, s], { backend: be });
  try {
    let rows = Array.from({ length: b }, (_, i) => i);
    let pos = lastReal;
    for (let step = 0; step < opts.maxNewTokens; step++) {
      const [vals, idx] = tidy(() => {
        const logits = model.forward(ids, { attentionMask: m, cache }).logits!;
        const last = selectAt(logits, rows, pos); // [B, V]
        if (k <= 1) return [null, argmax(last, -1)] as [Tensor | null, Tensor];
        const t = topk(last, k);
        return [t.values, t.indices] as [Tensor | null, Tensor];
      });
      ids.dispose();
      m.dispose();
      const ix = await idx.data();
      const vx = vals ? await vals.data() : null;
      idx.dispose();
      vals?.dispose();
      const next = new Array<number>(b);
      for (let r = 0; r < b; r++) {
        if (done[r]) {
          next[r] = padId;
          continue;
        }
        let choice = 0;
        if (vx) {
          const t = opts.temperature ?? 1;
          const row = Array.from(vx.subarray(r * k, r * k + k), (v) => v / t);
          const mx = Math.max(...row);
          choice = opts.rng!.categorical(row.map((v) => Math.exp(v - mx)));
        }
        const id = ix[r * (vx ? k : 1) + choice];
        tokens[r].push(id);
        next[r] = id;
        if (eos !== null && id === eos) {
          done[r] = true;
          stopped[r] = true;
        }
      }
      if (done.every(Boolean) || step === opts.maxNewTokens - 1) break;
      ids = tensor(Int32Array.from(next), [b, 1], { backend: be, dtype: 'i32' });
      // rows that stopped are fed as padding; `done` here already includes rows that just emitted eos
      m = tensor(done.map((d) => (d ? 0 : 1)), [b, 1], { backend: be });
      rows = Array.from({ length: b }, (_, i) => i);
      pos = new Array<number>(b).fill(0);
    }
  } finally {
    ids.dispose();
    m.dispose();
    cache.dispose();
  }
  return { tokens, stoppedAtEos: stopped };
}

function isIdList(p: PromptBatch | readonly number[]): p is readonly number[] {
  return Array.isArray(p) && (p.length === 0 || typeof p[0] === 'number');
}
