/** Finding the token that ends a span (ROME/MEMIT's "subject_last"). */
import type { EncodeOptions, LocateMethod, Tokenizer } from '@crossedit/core';

/**
 * The index, in `tok.encode(text, opts)`, of the last token of `span` (its first occurrence in `text`,
 * or its last with `occurrence: 'last'`).
 *
 * - `'prefix'` (default; the reference code's rule): `encode(text.slice(0, spanEnd)).length - 1`, the
 *   last token of `prefix + span` encoded on its own.
 * - `'offsets'`: the last token of the full encoding whose character range starts before the span's end.
 *
 * When SentencePiece merges across the span boundary (the span's last characters and the next ones form
 * one piece, e.g. span `"Ramalinaceae"` in `"Ramalinaceae属于"` if `"e属"` were a piece), the full
 * encoding has no token that ends exactly at the span: `'offsets'` returns the merged token (which
 * covers the span's end plus what follows), while `'prefix'` returns the last token of the separately
 * encoded `prefix + span`, which counts tokens of a segmentation the full text does not have, so it
 * may point one token off (at the token before or after the merged one) or beyond the end of a short
 * text (it is then clamped to the last token). The two agree whenever the boundary is also a token
 * boundary of the full encoding, which is the usual case with a space or punctuation after the span.
 *
 * @throws Error if `span` is empty or does not occur in `text`
 * @example
 * tok.locate('The capital of France is', 'France'); // index of "▁France"
 */
export function locateSpan(
  tok: Tokenizer,
  text: string,
  span: string,
  opts?: EncodeOptions & { method?: LocateMethod; occurrence?: 'first' | 'last' },
): number {
  if (span.length === 0) throw new Error('locate: the span is empty');
  const at = opts?.occurrence === 'last' ? text.lastIndexOf(span) : text.indexOf(span);
  if (at < 0) throw new Error(`locate: span ${JSON.stringify(span)} does not occur in ${JSON.stringify(text)}`);
  const end = at + span.length;
  const enc = { addBos: opts?.addBos };
  if ((opts?.method ?? 'prefix') === 'prefix') {
    const n = tok.encode(text.slice(0, end), enc).ids.length;
    const full = tok.encode(text, enc).ids.length;
    return Math.min(n, full) - 1;
  }
  const { ids, offsets } = tok.encode(text, enc);
  const first = (opts?.addBos ?? true) && tok.special.bos !== null ? 1 : 0;
  for (let i = ids.length - 1; i >= first; i--) {
    if (offsets[i][0] < end) return i;
  }
  throw new Error(`locate: no token of ${JSON.stringify(text)} starts before the end of ${JSON.stringify(span)}`);
}
