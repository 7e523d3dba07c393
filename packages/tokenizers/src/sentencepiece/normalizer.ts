/**
 * SentencePiece's text normalizer, reproduced exactly: user-defined symbols are copied verbatim, other
 * text goes through the precompiled charsmap (longest match over UTF-8 bytes), spaces become `▁`, a dummy
 * `▁` is prepended, and extra whitespace is optionally removed. It keeps, for every UTF-16 unit of the
 * normalized text, the offset in the input where the text that produced it begins.
 */
import type { PrecompiledCharsmap } from './charsmap.js';
import type { PrefixMatcher } from './prefix-matcher.js';

/** SentencePiece's whitespace symbol (U+2581). */
export const SPACE_SYMBOL = '\u2581';

/** A normalized text and its alignment to the input. */
export interface NormalizedText {
  /** The normalized text. */
  text: string;
  /**
   * `text.length + 1` entries: entry `i` is the UTF-16 offset in the input of the text that produced
   * unit `i` (the last entry is where the consumed input ends).
   */
  toInput: number[];
}

/** The normalization options of a `NormalizerSpec`. */
export interface NormalizerOptions {
  charsmap: PrecompiledCharsmap | null;
  addDummyPrefix: boolean;
  removeExtraWhitespaces: boolean;
  escapeWhitespaces: boolean;
  /** User-defined symbols, matched before normalization and kept verbatim. */
  userDefined: PrefixMatcher;
}

const encoder = new TextEncoder();

/** UTF-8 length of the code point (or lone surrogate, encoded as U+FFFD) at `s[i]`, and its UTF-16 length. */
function charAt(s: string, i: number): [utf8: number, utf16: number] {
  const c = s.charCodeAt(i);
  if (c < 0x80) return [1, 1];
  if (c < 0x800) return [2, 1];
  if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
    const d = s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d < 0xe000) return [4, 2];
  }
  return [3, 1];
}

/** UTF-8 length of `s.slice(from, to)`. */
function utf8Length(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; ) {
    const [u8, u16] = charAt(s, i);
    n += u8;
    i += u16;
  }
  return n;
}

/** Normalizes `input` the way SentencePiece's `Normalizer::Normalize` does. */
export function normalize(input: string, o: NormalizerOptions): NormalizedText {
  const bytes = o.charsmap && input.length > 0 ? encoder.encode(input) : null;
  let pos = 0; // UTF-16 offset in input
  let bpos = 0; // UTF-8 offset in input

  /** The normalized text of the prefix at `pos` and how many UTF-16 units / bytes it consumes. */
  const prefix = (): [string, number, number] => {
    const ud = o.userDefined.match(input, pos);
    if (ud > 0) return [input.slice(pos, pos + ud), ud, utf8Length(input, pos, pos + ud)];
    if (bytes && o.charsmap) {
      const m = o.charsmap.longestMatch(bytes, bpos);
      if (m) {
        // convert the matched byte length to UTF-16 units (rules always cover whole characters)
        let units = 0;
        let b = 0;
        while (b < m[0] && pos + units < input.length) {
          const [u8, u16] = charAt(input, pos + units);
          b += u8;
          units += u16;
        }
        return [m[1], units, b];
      }
    }
    const [u8, u16] = charAt(input, pos);
    return [input.slice(pos, pos + u16), u16, u8];
  };
  const advance = (units: number, nbytes: number) => {
    pos += units;
    bpos += nbytes;
  };

  if (o.removeExtraWhitespaces) {
    while (pos < input.length) {
      const [s, u, b] = prefix();
      if (s !== ' ') break;
      advance(u, b);
    }
  }
  if (pos >= input.length) return { text: '', toInput: [pos] };

  const space = o.escapeWhitespaces ? SPACE_SYMBOL : ' ';
  const out: string[] = [];
  const toInput: number[] = [];
  if (o.addDummyPrefix) {
    out.push(space);
    toInput.push(pos);
  }
  let isPrevSpace = o.removeExtraWhitespaces;
  while (pos < input.length) {
    const consumed = pos;
    let [s, u, b] = prefix();
    if (isPrevSpace) {
      let k = 0;
      while (k < s.length && s.charCodeAt(k) === 0x20) k++;
      if (k > 0) s = s.slice(k);
    }
    if (s.length > 0) {
      for (let k = 0; k < s.length; k++) {
        const ch = s[k];
        out.push(o.escapeWhitespaces && ch === ' ' ? SPACE_SYMBOL : ch);
        toInput.push(consumed);
      }
      isPrevSpace = s.charCodeAt(s.length - 1) === 0x20;
    }
    advance(u, b);
    if (!o.removeExtraWhitespaces) isPrevSpace = false;
  }
  let end = pos;
  if (o.removeExtraWhitespaces) {
    while (out.length > 0 && out[out.length - 1] === space) {
      out.pop();
      end = toInput.pop() as number;
    }
  }
  toInput.push(end);
  return { text: out.join(''), toInput };
}
