/** The word tokenizer: both splits, a closed vocabulary, decode, and both locate methods. */
import { describe, expect, it } from 'vitest';
import { WordTokenizer, vocabOf, wordTokenizer } from './word-tokenizer.js';

describe('WordTokenizer', () => {
  it("'words': letter/digit runs (any script) and single other characters; unknown words are <unk>", () => {
    const tok = wordTokenizer(vocabOf(['Who is it?', '谁是它']));
    expect(tok.vocabulary).toEqual(['Who', 'is', 'it', '?', '谁是它']);
    expect(tok.encode('Who is Bob?').ids).toEqual([1, 3, 4, 0, 6]);
    expect(tok.decode([1, 3, 4, 6, 7], { skipSpecialTokens: true })).toBe('Who is ? 谁是它');
  });

  it("'scripts': Latin runs, one CJK character each, decoded without spaces around CJK", () => {
    const vocab = vocabOf(['Who is it?', '谁是它'], 'scripts');
    expect(vocab).toEqual(['Who', 'is', 'it', '?', '谁', '是', '它']);
    const tok = new WordTokenizer(vocab, 'left', 'scripts');
    const ids = tok.encode('谁 is it').ids;
    expect(ids).toEqual([1, 7, 4, 5]);
    expect(tok.decode([7, 8, 9], { skipSpecialTokens: true })).toBe('谁是它');
    expect(tok.decode([3, 4, 7, 8], { skipSpecialTokens: true })).toBe('Who is谁是');
    expect(tok.withPaddingSide('right').encodeBatch(['谁', '谁是']).ids).toEqual([[1, 7, 2], [1, 7, 8]]);
    expect(tok.encodeBatch(['谁', '谁是']).ids).toEqual([[2, 1, 7], [1, 7, 8]]);
  });

  it('locate: the last token of the span by prefix and by offsets, first or last occurrence', () => {
    const tok = new WordTokenizer(vocabOf(['a b a b c']), 'right', 'words');
    expect(tok.locate('a b a b c', 'a b')).toBe(2);
    expect(tok.locate('a b a b c', 'a b', { occurrence: 'last' })).toBe(4);
    expect(tok.locate('a b a b c', 'a b', { method: 'offsets', occurrence: 'last' })).toBe(4);
    expect(() => tok.locate('a b', 'z')).toThrow(/does not occur/);
  });
});
