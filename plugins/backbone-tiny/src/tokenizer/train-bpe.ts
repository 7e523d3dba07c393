/**
 * Trains the tiny backbone's bilingual byte-fallback BPE with the HF `tokenizers` trainer and writes a
 * LLaMA-style `tokenizer.json` (Metaspace `▁` pre-tokenization, `<unk>`/`<s>`/`</s>`/`<pad>`, the 256
 * `<0xNN>` byte pieces, BOS added by the post-processor, SentencePiece-like decoding).
 *
 * The node binding trains with the model's default trainer (`BpeTrainer::default()`: vocabulary 30,000,
 * no special tokens, every character of the corpus in the alphabet) and exposes no trainer options.
 * BPE training is greedy, so the first `k` merges of a long run are the merges of a run stopped at `k`;
 * this module keeps the corpus's frequent characters (the rest fall back to bytes) and the first merges
 * that are buildable from them, up to the requested vocabulary size.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tokenizers from 'tokenizers';

/** Options of {@link trainBpe}. */
export interface TrainBpeOptions {
  /** Total vocabulary size, special and byte pieces included (default 6144). */
  vocabSize?: number;
  /** Characters seen fewer times than this are left to byte fallback (default 5). */
  minCharCount?: number;
}

/** The special tokens, in id order (ids 0-3); the byte pieces `<0x00>`..`<0xFF>` follow (ids 4-259). */
export const SPECIAL_TOKENS = ['<unk>', '<s>', '</s>', '<pad>'] as const;

/** A tokenizer.json document (the parts this module writes). */
export type TokenizerJson = Record<string, unknown> & {
  model: { type: 'BPE'; vocab: Record<string, number>; merges: [string, string][] } & Record<string, unknown>;
};

/**
 * Trains a byte-fallback BPE on `texts` (one text a line) and returns the tokenizer.json document.
 *
 * @example
 * ```ts
 * const json = trainBpe(['What is the capital of France? Paris', '法国的首都是哪里？ 巴黎'], { vocabSize: 300 });
 * writeFileSync('tokenizer.json', JSON.stringify(json));
 * ```
 */
export function trainBpe(texts: readonly string[], opts: TrainBpeOptions = {}): TokenizerJson {
  const vocabSize = opts.vocabSize ?? 6144;
  const minCharCount = opts.minCharCount ?? 5;
  const base = SPECIAL_TOKENS.length + 256;
  if (vocabSize <= base) throw new RangeError(`trainBpe: vocabSize must exceed ${base} (special and byte pieces), got ${vocabSize}`);
  const lines = texts.map((t) => t.replace(/[\r\n]+/g, ' ')).filter((t) => t.trim());

  // 1. The HF trainer, on a temporary file.
  const dir = mkdtempSync(path.join(tmpdir(), 'crossedit-bpe-'));
  let trained: { model: { vocab: Record<string, number>; merges: ([string, string] | string)[] } };
  try {
    const file = path.join(dir, 'corpus.txt');
    writeFileSync(file, lines.join('\n') + '\n');
    const { Tokenizer, BPE, metaspacePreTokenizer } = tokenizers;
    const tok = new Tokenizer(BPE.init({}, [], { byteFallback: true, unkToken: '<unk>' }));
    tok.setPreTokenizer(metaspacePreTokenizer('▁', 'first', true));
    tok.train([file]);
    tok.save(path.join(dir, 'trained.json'), false);
    trained = JSON.parse(readFileSync(path.join(dir, 'trained.json'), 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // 2. The alphabet: the trainer's characters seen at least `minCharCount` times (▁ counts once per word).
  const counts = new Map<string, number>();
  for (const line of lines) {
    for (const ch of line.replace(/ /g, '▁')) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  counts.set('▁', Math.max(counts.get('▁') ?? 0, minCharCount));
  const merges = trained.model.merges.map((m) => (typeof m === 'string' ? (m.split(' ') as [string, string]) : m));
  const mergedIds = new Set(merges.map((m) => trained.model.vocab[m[0] + m[1]]));
  const alphabet = Object.entries(trained.model.vocab)
    .filter(([piece, id]) => !mergedIds.has(id) && [...piece].length === 1 && piece !== '\n' && (counts.get(piece) ?? 0) >= minCharCount)
    .sort((a, b) => a[1] - b[1])
    .map(([piece]) => piece);

  // 3. The vocabulary: specials, bytes, alphabet, then the first buildable merges.
  const vocab: Record<string, number> = {};
  let size = 0;
  const add = (piece: string): void => {
    if (!(piece in vocab)) vocab[piece] = size++;
  };
  for (const s of SPECIAL_TOKENS) add(s);
  for (let b = 0; b < 256; b++) add(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
  for (const ch of alphabet) add(ch);
  if (size > vocabSize) {
    throw new RangeError(`trainBpe: ${alphabet.length} characters occur >= ${minCharCount} times; vocabSize ${vocabSize} leaves no room for merges (raise minCharCount)`);
  }
  const kept: [string, string][] = [];
  for (const [a, b] of merges) {
    if (size >= vocabSize) break;
    if (!(a in vocab) || !(b in vocab) || a + b in vocab) continue;
    add(a + b);
    kept.push([a, b]);
  }

  const special = (content: string, id: number): Record<string, unknown> => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((s, i) => special(s, i)),
    normalizer: null,
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: true },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '<s>', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '<s>', type_id: 1 } },
        { Sequence: { id: 'B', type_id: 1 } },
      ],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
    },
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<unk>',
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      ignore_merges: false,
      vocab,
      merges: kept,
    },
  };
}
