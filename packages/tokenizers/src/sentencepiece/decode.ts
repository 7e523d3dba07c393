/** SentencePiece's `DecodeIds`, reproduced exactly (byte pieces, the leading dummy space, `<unk>`). */
import { SPACE_SYMBOL } from './normalizer.js';

/** What decoding needs to know about a vocabulary. */
export interface DecodeVocab {
  pieces: readonly string[];
  /** 0 normal, 1 control, 2 unknown, 3 byte (value in `byteValue`). */
  kind: Uint8Array;
  byteValue: Int16Array;
  unkSurface: string;
  /** `add_dummy_prefix || remove_extra_whitespaces`: strip the `▁` of the first piece. */
  stripLeadingSpace: boolean;
  removeExtraWhitespaces: boolean;
}

/** Piece kinds used by {@link DecodeVocab.kind}. */
export enum PieceKind {
  Normal = 0,
  Control = 1,
  Unknown = 2,
  Byte = 3,
}

const REPLACEMENT = '\uFFFD';

/** Decodes UTF-8 bytes the way SentencePiece does: each invalid byte becomes U+FFFD. */
function decodeBytes(b: number[]): string {
  let out = '';
  let i = 0;
  const trail = (k: number) => i + k < b.length && (b[i + k] & 0xc0) === 0x80;
  const valid = (cp: number) => cp < 0xd800 || (cp >= 0xe000 && cp <= 0x10ffff);
  while (i < b.length) {
    const c = b[i];
    let cp = -1;
    let len = 1;
    if (c < 0x80) cp = c;
    else if ((c & 0xe0) === 0xc0 && trail(1)) {
      const v = ((c & 0x1f) << 6) | (b[i + 1] & 0x3f);
      if (v >= 0x80 && valid(v)) [cp, len] = [v, 2];
    } else if ((c & 0xf0) === 0xe0 && trail(1) && trail(2)) {
      const v = ((c & 0x0f) << 12) | ((b[i + 1] & 0x3f) << 6) | (b[i + 2] & 0x3f);
      if (v >= 0x800 && valid(v)) [cp, len] = [v, 3];
    } else if ((c & 0xf8) === 0xf0 && trail(1) && trail(2) && trail(3)) {
      const v = ((c & 0x07) << 18) | ((b[i + 1] & 0x3f) << 12) | ((b[i + 2] & 0x3f) << 6) | (b[i + 3] & 0x3f);
      if (v >= 0x10000 && valid(v)) [cp, len] = [v, 4];
    }
    out += cp < 0 ? REPLACEMENT : String.fromCodePoint(cp);
    i += cp < 0 ? 1 : len;
  }
  return out;
}

/**
 * Decodes ids to text as SentencePiece does; with `keepControl`, control pieces (`<s>`, `</s>`) are
 * written as their piece text instead of being invisible.
 */
export function spDecode(ids: readonly number[], v: DecodeVocab, keepControl: boolean): string {
  let text = '';
  let bytes: number[] = [];
  let isBosWs = true;
  let bosWsSeen = false;
  const flush = () => {
    if (bytes.length > 0) {
      text += decodeBytes(bytes);
      bytes = [];
    }
  };
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 0 || id >= v.pieces.length) {
      throw new RangeError(`decode: id ${id} is outside the vocabulary of ${v.pieces.length} pieces`);
    }
    const kind = v.kind[id];
    if (kind === PieceKind.Byte) {
      bytes.push(v.byteValue[id]);
      continue;
    }
    flush();
    if (bosWsSeen || text.length > 0) isBosWs = false;
    let piece = v.pieces[id];
    if (kind === PieceKind.Control) {
      text += keepControl ? piece : '';
      bosWsSeen = false;
    } else if (kind === PieceKind.Unknown) {
      text += v.unkSurface;
      bosWsSeen = false;
    } else {
      let hasBosWs = false;
      if (isBosWs && v.stripLeadingSpace) {
        if (piece.startsWith(SPACE_SYMBOL)) {
          piece = piece.slice(SPACE_SYMBOL.length);
          hasBosWs = true;
        }
        if (v.removeExtraWhitespaces) hasBosWs = false;
      }
      text += piece.replaceAll(SPACE_SYMBOL, ' ');
      bosWsSeen = hasBosWs;
    }
  }
  flush();
  return text;
}
