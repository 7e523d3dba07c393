/**
 * A small SentencePiece-like tokenizer for tests (not part of the build): a word (letters/digits) with
 * its preceding space is one piece (`▁word`), every other character is its own piece, a space not
 * followed by a word is `▁`; a dummy space is prepended, as SentencePiece does. Ids are assigned on
 * first sight from a shared vocabulary; 0 = unk, 1 = BOS, 2 = EOS.
 */
import type { BatchEncoding, EncodeOptions, Encoding, PaddingSide, SpecialIds, Tokenizer } from '@crossedit/core';

const SPECIAL = ['<unk>', '<s>', '</s>'];

/** A toy tokenizer; see the file comment. */
export class ToyTokenizer implements Tokenizer {
  readonly special: SpecialIds = { bos: 1, eos: 2, pad: null, unk: 0 };
  constructor(
    private readonly vocab: Map<string, number> = new Map(SPECIAL.map((s, i) => [s, i])),
    readonly paddingSide: PaddingSide = 'left',
  ) {}

  get vocabSize(): number {
    return this.vocab.size;
  }

  private idOf(piece: string): number {
    let id = this.vocab.get(piece);
    if (id === undefined) {
      id = this.vocab.size;
      this.vocab.set(piece, id);
    }
    return id;
  }

  /** The pieces of a text. */
  pieces(text: string): string[] {
    if (text === '') return [];
    const s = '▁' + text.replace(/ /g, '▁');
    return s.match(/▁?[A-Za-z0-9]+|▁|[^▁A-Za-z0-9]/g) ?? [];
  }

  encode(text: string, opts: EncodeOptions = {}): Encoding {
    const ids: number[] = [];
    const offsets: [number, number][] = [];
    if (opts.addBos ?? true) {
      ids.push(1);
      offsets.push([0, 0]);
    }
    let pos = -1; // the dummy prefix space is at -1
    for (const p of this.pieces(text)) {
      ids.push(this.idOf(p));
      offsets.push([Math.max(0, pos), Math.max(0, pos + p.length)]);
      pos += p.length;
    }
    return { ids, offsets };
  }

  decode(ids: readonly number[], opts: { skipSpecialTokens?: boolean } = {}): string {
    const inv = [...this.vocab.entries()].reduce<string[]>((a, [k, v]) => ((a[v] = k), a), []);
    let out = '';
    for (const id of ids) {
      if (id < SPECIAL.length) {
        if (!opts.skipSpecialTokens) out += inv[id];
        continue;
      }
      out += (inv[id] ?? '').replace(/▁/g, ' ');
    }
    return out.startsWith(' ') ? out.slice(1) : out;
  }

  encodeBatch(texts: readonly string[], opts: EncodeOptions & { paddingSide?: PaddingSide } = {}): BatchEncoding {
    const rows = texts.map((t) => this.encode(t, opts).ids);
    const S = Math.max(0, ...rows.map((r) => r.length));
    const side = opts.paddingSide ?? this.paddingSide;
    const pad = (r: number[], v: number) => (side === 'left' ? [...new Array<number>(S - r.length).fill(v), ...r] : [...r, ...new Array<number>(S - r.length).fill(v)]);
    return { ids: rows.map((r) => pad(r, 2)), attentionMask: rows.map((r) => pad(r.map(() => 1), 0)), lengths: rows.map((r) => r.length) };
  }

  locate(text: string, span: string, opts: EncodeOptions = {}): number {
    const at = text.indexOf(span);
    if (at < 0) throw new Error(`span ${JSON.stringify(span)} not in ${JSON.stringify(text)}`);
    return this.encode(text.slice(0, at + span.length), opts).ids.length - 1;
  }

  withPaddingSide(side: PaddingSide): Tokenizer {
    return new ToyTokenizer(this.vocab, side);
  }

  idToToken(id: number): string | undefined {
    for (const [k, v] of this.vocab) if (v === id) return k;
    return undefined;
  }
}
