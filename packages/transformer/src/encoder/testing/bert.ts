/**
 * Tiny random BERT checkpoints in HF `BertModel` names, written as a sentence-transformers directory,
 * and an independent plain-JS float64 reference of the encoder (exact erf, masked keys removed rather
 * than biased). Test-only.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Rng } from '@crossedit/core';
import { writeSafetensors } from '../../checkpoint/index.js';

/** The architecture of a tiny BERT (HF `config.json` fields). */
export interface TinyBertSpec {
  hidden: number;
  layers: number;
  heads: number;
  intermediate: number;
  maxPositions: number;
  typeVocab: number;
  eps: number;
  act: 'gelu' | 'gelu_new' | 'relu';
}

/** Defaults: hidden 16, 2 layers, 4 heads, FFN 32, 40 positions, exact GELU. */
export const TINY_BERT: TinyBertSpec = { hidden: 16, layers: 2, heads: 4, intermediate: 32, maxPositions: 40, typeVocab: 2, eps: 1e-12, act: 'gelu' };

/** The special tokens of the tiny vocabulary, ids 0..4. */
export const BERT_SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];

/** The words of the tiny vocabulary (after the specials). */
export const BERT_WORDS = [
  'new', 'fact', ':', 'prompt', 'what', 'is', 'the', 'capital', 'of', 'france', 'paris', 'rome', '?', 'un', '##aff', '##able',
  'hello', ',', 'world', '!', 'who', 'wrote', 'hamlet', 'shakespeare', 'city', 'river', 'a', 'language', 'german', 'french',
  'q', 'berlin', 'spoken', 'in', 'born', 'where', 'was', '.', '##s',
];

/** Host weights by HF name. */
export type HostBert = Map<string, { shape: number[]; data: Float64Array }>;

/** Random weights of a tiny BERT (linear `N(0, 1/fan_in)` scaled by 2, embeddings `N(0, 1)`, norms near 1). */
export function tinyBertWeights(spec: TinyBertSpec, vocab: number, seed: number, prefix = ''): HostBert {
  const rng = new Rng(seed);
  const out: HostBert = new Map();
  const put = (name: string, shape: number[], std: number, mean = 0) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float64Array(n);
    for (let i = 0; i < n; i++) data[i] = mean + std * rng.gaussian();
    out.set(prefix + name, { shape, data });
  };
  const d = spec.hidden;
  const m = spec.intermediate;
  put('embeddings.word_embeddings.weight', [vocab, d], 1);
  put('embeddings.position_embeddings.weight', [spec.maxPositions, d], 0.5);
  put('embeddings.token_type_embeddings.weight', [spec.typeVocab, d], 0.5);
  put('embeddings.LayerNorm.weight', [d], 0.1, 1);
  put('embeddings.LayerNorm.bias', [d], 0.1);
  for (let i = 0; i < spec.layers; i++) {
    const p = `encoder.layer.${i}`;
    for (const n of ['query', 'key', 'value']) {
      put(`${p}.attention.self.${n}.weight`, [d, d], 2 / Math.sqrt(d));
      put(`${p}.attention.self.${n}.bias`, [d], 0.1);
    }
    put(`${p}.attention.output.dense.weight`, [d, d], 1 / Math.sqrt(d));
    put(`${p}.attention.output.dense.bias`, [d], 0.1);
    put(`${p}.attention.output.LayerNorm.weight`, [d], 0.1, 1);
    put(`${p}.attention.output.LayerNorm.bias`, [d], 0.1);
    put(`${p}.intermediate.dense.weight`, [m, d], 2 / Math.sqrt(d));
    put(`${p}.intermediate.dense.bias`, [m], 0.1);
    put(`${p}.output.dense.weight`, [d, m], 1 / Math.sqrt(m));
    put(`${p}.output.dense.bias`, [d], 0.1);
    put(`${p}.output.LayerNorm.weight`, [d], 0.1, 1);
    put(`${p}.output.LayerNorm.bias`, [d], 0.1);
  }
  return out;
}

/** The `tokenizer.json` HF's BertTokenizerFast writes for a vocabulary (with MiniLM-like truncation/padding settings). */
export function bertTokenizerJson(vocab: readonly string[]): string {
  const ids = Object.fromEntries(vocab.map((t, i) => [t, i]));
  const special = (t: string) => ({ id: ids[t], content: t, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  const tok = (t: string) => ({ id: t, ids: [ids[t]], tokens: [t] });
  return JSON.stringify({
    version: '1.0',
    truncation: { direction: 'Right', max_length: 128, strategy: 'LongestFirst', stride: 0 },
    padding: { strategy: { Fixed: 128 }, direction: 'Right', pad_to_multiple_of: null, pad_id: 0, pad_type_id: 0, pad_token: '[PAD]' },
    added_tokens: BERT_SPECIALS.map(special),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: { '[CLS]': tok('[CLS]'), '[SEP]': tok('[SEP]') },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: ids },
  });
}

/** Options of {@link writeTinyBert}. */
export interface WriteTinyBertOptions {
  spec?: Partial<TinyBertSpec>;
  seed?: number;
  /** `vocab` writes vocab.txt only; `json` writes tokenizer.json only. Default `vocab`. */
  tokenizer?: 'vocab' | 'json';
  /** Prefix of the weight names (e.g. `bert.`). */
  prefix?: string;
  /** `sentence_bert_config.json`'s max_seq_length (omitted when undefined). */
  maxSeqLength?: number;
  /** Extra words appended to the vocabulary. */
  extraWords?: readonly string[];
}

/** Writes a tiny sentence-transformers directory; returns its spec, vocabulary and host weights. */
export async function writeTinyBert(dir: string, opts: WriteTinyBertOptions = {}): Promise<{ spec: TinyBertSpec; vocab: string[]; weights: HostBert }> {
  const spec = { ...TINY_BERT, ...opts.spec };
  const vocab = [...BERT_SPECIALS, ...BERT_WORDS, ...(opts.extraWords ?? [])];
  mkdirSync(path.join(dir, '1_Pooling'), { recursive: true });
  writeFileSync(
    path.join(dir, 'config.json'),
    JSON.stringify({
      architectures: ['BertModel'],
      model_type: 'bert',
      vocab_size: vocab.length,
      hidden_size: spec.hidden,
      num_hidden_layers: spec.layers,
      num_attention_heads: spec.heads,
      intermediate_size: spec.intermediate,
      hidden_act: spec.act,
      max_position_embeddings: spec.maxPositions,
      type_vocab_size: spec.typeVocab,
      layer_norm_eps: spec.eps,
      pad_token_id: 0,
      position_embedding_type: 'absolute',
    }),
  );
  if ((opts.tokenizer ?? 'vocab') === 'vocab') {
    writeFileSync(path.join(dir, 'vocab.txt'), vocab.join('\n') + '\n');
    writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ do_lower_case: true }));
  } else writeFileSync(path.join(dir, 'tokenizer.json'), bertTokenizerJson(vocab));
  writeFileSync(path.join(dir, '1_Pooling', 'config.json'), JSON.stringify({ word_embedding_dimension: spec.hidden, pooling_mode_cls_token: false, pooling_mode_mean_tokens: true, pooling_mode_max_tokens: false }));
  if (opts.maxSeqLength !== undefined) writeFileSync(path.join(dir, 'sentence_bert_config.json'), JSON.stringify({ max_seq_length: opts.maxSeqLength, do_lower_case: false }));
  const weights = tinyBertWeights(spec, vocab.length, opts.seed ?? 1, opts.prefix ?? '');
  await writeSafetensors(
    path.join(dir, 'model.safetensors'),
    [...weights].map(([name, w]) => ({ name, shape: w.shape, dtype: 'f32' as const, data: w.data })),
  );
  return { spec, vocab, weights };
}

/** erf in float64 to ~1e-15: Taylor series below 2.5, Lentz continued fraction of erfc above. */
export function erfRef(x: number): number {
  const ax = Math.abs(x);
  let r: number;
  if (ax < 2.5) {
    let term = ax;
    let s = ax;
    for (let n = 1; n < 200; n++) {
      term *= (-ax * ax) / n;
      const add = term / (2 * n + 1);
      s += add;
      if (Math.abs(add) < 1e-18) break;
    }
    r = (2 / Math.sqrt(Math.PI)) * s;
  } else {
    // erfc(x) = exp(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated from the tail
    let f = ax;
    for (let k = 80; k >= 1; k--) f = ax + k / 2 / f;
    r = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  }
  return x < 0 ? -r : r;
}

/** Plain float64 reference: unit-norm mean-pooled embeddings of already-tokenised rows (no padding). */
export function bertReference(w: HostBert, spec: TinyBertSpec, rows: readonly number[][], prefix = ''): number[][] {
  const g = (n: string) => w.get(prefix + n)!.data;
  const d = spec.hidden;
  const m = spec.intermediate;
  const h = spec.heads;
  const dh = d / h;
  const ln = (x: Float64Array, name: string) => {
    const wt = g(`${name}.weight`);
    const b = g(`${name}.bias`);
    let mu = 0;
    for (const v of x) mu += v / x.length;
    let vr = 0;
    for (const v of x) vr += (v - mu) ** 2 / x.length;
    return x.map((v, i) => ((v - mu) / Math.sqrt(vr + spec.eps)) * wt[i] + b[i]);
  };
  const dense = (x: Float64Array, name: string, out: number) => {
    const W = g(`${name}.weight`);
    const b = g(`${name}.bias`);
    const y = new Float64Array(out);
    for (let o = 0; o < out; o++) {
      let s = b[o];
      for (let i = 0; i < x.length; i++) s += W[o * x.length + i] * x[i];
      y[o] = s;
    }
    return y;
  };
  const act = (v: number) =>
    spec.act === 'gelu' ? 0.5 * v * (1 + erfRef(v / Math.SQRT2)) : spec.act === 'relu' ? Math.max(0, v) : 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
  return rows.map((ids) => {
    const s = ids.length;
    let xs = ids.map((id, p) => {
      const e = new Float64Array(d);
      for (let j = 0; j < d; j++) e[j] = g('embeddings.word_embeddings.weight')[id * d + j] + g('embeddings.position_embeddings.weight')[p * d + j] + g('embeddings.token_type_embeddings.weight')[j];
      return ln(e, 'embeddings.LayerNorm');
    });
    for (let l = 0; l < spec.layers; l++) {
      const p = `encoder.layer.${l}`;
      const q = xs.map((x) => dense(x, `${p}.attention.self.query`, d));
      const k = xs.map((x) => dense(x, `${p}.attention.self.key`, d));
      const v = xs.map((x) => dense(x, `${p}.attention.self.value`, d));
      const ctx = xs.map(() => new Float64Array(d));
      for (let hh = 0; hh < h; hh++) {
        for (let i = 0; i < s; i++) {
          const sc = k.map((kj) => {
            let t = 0;
            for (let c = 0; c < dh; c++) t += q[i][hh * dh + c] * kj[hh * dh + c];
            return t / Math.sqrt(dh);
          });
          const mx = Math.max(...sc);
          const e = sc.map((t) => Math.exp(t - mx));
          const z = e.reduce((a, b) => a + b, 0);
          for (let j = 0; j < s; j++) for (let c = 0; c < dh; c++) ctx[i][hh * dh + c] += (e[j] / z) * v[j][hh * dh + c];
        }
      }
      xs = xs.map((x, i) => {
        const a = dense(ctx[i], `${p}.attention.output.dense`, d);
        const x1 = ln(a.map((t, j) => t + x[j]), `${p}.attention.output.LayerNorm`);
        const inter = dense(x1, `${p}.intermediate.dense`, m).map(act);
        const o = dense(inter, `${p}.output.dense`, d);
        return ln(o.map((t, j) => t + x1[j]), `${p}.output.LayerNorm`);
      });
    }
    const mean = new Array<number>(d).fill(0);
    for (const x of xs) for (let j = 0; j < d; j++) mean[j] += x[j] / s;
    const nrm = Math.hypot(...mean);
    return mean.map((t) => t / nrm);
  });
}
