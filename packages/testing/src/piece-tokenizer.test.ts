/** The SentencePiece-like test tokenizer: pieces, ids of a closed and an open vocabulary, offsets, locate. */
import { describe, expect, it } from 'vitest';
import { PieceTokenizer, pieceTokenizer } from './piece-tokenizer.js';

describe('PieceTokenizer', () => {
  it('pieces: ▁word after a space (and at the start), punctuation alone, a lone ▁ before a non-word', () => {
    const tok = new PieceTokenizer();
    expect(tok.pieces("Lily's cat. 猫")).toEqual(['▁Lily', "'", 's', '▁cat', '.', '▁', '猫']);
  });

  it('closed vocabulary: specials, punctuation (bare, spaced), ▁words in order; unseen pieces are <unk>', () => {
    const tok = pieceTokenizer(['Paris', 'is'], ['.']);
    expect(tok.vocabSize).toBe(3 + 2 + 2);
    expect(tok.encode('Paris is Rome.').ids).toEqual([1, 5, 6, 0, 3]);
    expect(tok.vocabSize).toBe(7);
    expect(tok.decode([1, 5, 6, 3], { skipSpecialTokens: true })).toBe('Paris is.');
  });

  it('open vocabulary: ids in first-seen order, shared by withPaddingSide; offsets and locate', () => {
    const tok = new PieceTokenizer();
    const e = tok.encode('the big cat');
    expect(e.ids).toEqual([1, 3, 4, 5]);
    expect(e.offsets).toEqual([[0, 0], [0, 3], [3, 7], [7, 11]]);
    const right = tok.withPaddingSide('right');
    expect(right.encode('cat dog').ids).toEqual([1, 5, 6]);
    expect(tok.vocabSize).toBe(7);
    expect(tok.locate('the big cat', 'big')).toBe(2);
    expect(tok.locate('the big cat', 'big', { method: 'offsets' })).toBe(2);
    expect(() => tok.locate('the cat', 'dog')).toThrow(/does not occur/);
    expect(right.encodeBatch(['the', 'the big']).ids).toEqual([[1, 3, 2], [1, 3, 4]]);
    expect(tok.encodeBatch(['the', 'the big']).attentionMask).toEqual([[0, 1, 1], [1, 1, 1]]);
  });
});
