/**
 * WordPiece tokenization of a BERT directory through HF `tokenizers`: `tokenizer.json` when present,
 * else a BERT pipeline built from `vocab.txt` (+ `tokenizer_config.json`'s casing options), as HF's
 * `BertTokenizerFast` builds it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { FormatError } from '@crossedit/core';
import type * as Hf from 'tokenizers';

const hf = createRequire(import.meta.url)('tokenizers') as typeof Hf;

/** A right-padded batch of encoded texts. */
export interface WordPieceBatch {
  /** `[B][S]` ids, padded with the pad id. */
  ids: number[][];
  /** `[B][S]` 1 for real tokens. */
  mask: number[][];
}

/** A WordPiece tokenizer producing `[CLS] … [SEP]` sequences, truncated to a maximum length. */
export class WordPieceTokenizer {
  private constructor(
    private readonly tok: Hf.Tokenizer,
    /** The pad id used to fill batches. */
    readonly padId: number,
    /** Sequences are truncated to this many tokens, specials included. */
    readonly maxLength: number,
    /** The file the tokenizer came from. */
    readonly source: string,
  ) {}

  /**
   * Loads `tokenizer.json` or `vocab.txt` from `dir`.
   * @throws FormatError naming the directory when neither exists, or the file that cannot be parsed.
   */
  static load(dir: string, opts: { maxLength: number; padId?: number }): WordPieceTokenizer {
    const json = path.join(dir, 'tokenizer.json');
    const vocabFile = path.join(dir, 'vocab.txt');
    let tok: Hf.Tokenizer;
    let source: string;
    if (existsSync(json)) {
      source = json;
      try {
        tok = hf.Tokenizer.fromFile(json);
      } catch (e) {
        throw new FormatError(json, `HF tokenizers cannot load it: ${(e as Error).message}`);
      }
    } else if (existsSync(vocabFile)) {
      source = vocabFile;
      tok = fromVocab(vocabFile, readTokenizerConfig(dir));
    } else {
      throw new FormatError(dir, 'no tokenizer: expected tokenizer.json or vocab.txt');
    }
    tok.disablePadding();
    tok.setTruncation(opts.maxLength);
    const pad = opts.padId ?? tok.tokenToId('[PAD]') ?? 0;
    return new WordPieceTokenizer(tok, pad, opts.maxLength, source);
  }

  /** The vocabulary size (added tokens included). */
  get vocabSize(): number {
    return this.tok.getVocabSize(true);
  }

  /** The pieces of one text (with `[CLS]`/`[SEP]`), for inspection. */
  async tokens(text: string): Promise<string[]> {
    return (await this.tok.encode(text)).getTokens();
  }

  /** Encodes and right-pads texts. */
  async encodeBatch(texts: readonly string[]): Promise<WordPieceBatch> {
    const encs = texts.length ? await this.tok.encodeBatch([...texts]) : [];
    const rows = encs.map((e) => e.getIds());
    const s = Math.max(1, ...rows.map((r) => r.length));
    return {
      ids: rows.map((r) => [...r, ...new Array<number>(s - r.length).fill(this.padId)]),
      mask: rows.map((r) => [...r.map(() => 1), ...new Array<number>(s - r.length).fill(0)]),
    };
  }
}

interface CasingOptions {
  lowercase: boolean;
  stripAccents: boolean | null;
  handleChineseChars: boolean;
}

function readTokenizerConfig(dir: string): CasingOptions {
  const file = path.join(dir, 'tokenizer_config.json');
  let o: Record<string, unknown> = {};
  if (existsSync(file)) {
    try {
      o = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new FormatError(file, `not valid JSON (${(e as Error).message})`);
    }
  }
  return {
    lowercase: o.do_lower_case === undefined ? true : Boolean(o.do_lower_case),
    stripAccents: typeof o.strip_accents === 'boolean' ? o.strip_accents : null,
    handleChineseChars: o.tokenize_chinese_chars === undefined ? true : Boolean(o.tokenize_chinese_chars),
  };
}

/** The BERT pipeline over a `vocab.txt` (one token a line, id = line index). */
function fromVocab(file: string, c: CasingOptions): Hf.Tokenizer {
  const lines = readFileSync(file, 'utf8').split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  const vocab: Record<string, number> = {};
  lines.forEach((l, i) => {
    const t = l.endsWith('\r') ? l.slice(0, -1) : l;
    if (!(t in vocab)) vocab[t] = i;
  });
  for (const need of ['[CLS]', '[SEP]', '[UNK]']) {
    if (!(need in vocab)) throw new FormatError(file, `the vocabulary has no ${need} token`);
  }
  const tok = new hf.Tokenizer(hf.WordPiece.init(vocab, { unkToken: '[UNK]', continuingSubwordPrefix: '##', maxInputCharsPerWord: 100 }));
  tok.setNormalizer(
    hf.bertNormalizer({ cleanText: true, handleChineseChars: c.handleChineseChars, stripAccents: c.stripAccents ?? c.lowercase, lowercase: c.lowercase }),
  );
  tok.setPreTokenizer(hf.bertPreTokenizer());
  tok.setPostProcessor(hf.bertProcessing(['[SEP]', vocab['[SEP]']], ['[CLS]', vocab['[CLS]']]));
  tok.setDecoder(hf.wordPieceDecoder('##', true));
  const specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].filter((t) => t in vocab);
  tok.addSpecialTokens(specials);
  return tok;
}
