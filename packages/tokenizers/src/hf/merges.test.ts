import { describe, expect, it } from 'vitest';
import { deriveMerges } from './merges.js';

describe('deriveMerges', () => {
  it('lists every two-piece split of each mergeable piece, by score, ties in vocabulary order', () => {
    const v = (piece: string, score: number, mergeable = true) => ({ piece, score, mergeable });
    const merges = deriveMerges([
      v('<s>', 0, false),
      v('a', -10),
      v('b', -11),
      v('c', -12),
      v('abc', -1), // splits: a+bc, ab+c
      v('bc', -2),
      v('ab', -1), // same score as abc: after it (vocabulary order)
      v('<0x41>', 0, false), // not mergeable: no merge even though < + 0x41> ... are absent anyway
      v('ca', -3),
      v('aa', -3),
    ]);
    expect(merges).toEqual([
      ['a', 'bc'],
      ['ab', 'c'],
      ['a', 'b'],
      ['b', 'c'],
      ['c', 'a'],
      ['a', 'a'],
    ]);
  });

  it('splits between code points, never inside a surrogate pair', () => {
    const merges = deriveMerges([
      { piece: '😀', score: -5, mergeable: true },
      { piece: 'x', score: -6, mergeable: true },
      { piece: '😀x', score: -1, mergeable: true },
      { piece: '\uD83D', score: -7, mergeable: true },
    ]);
    expect(merges).toEqual([['😀', 'x']]);
  });

  it('ignores pieces that merges may not produce', () => {
    expect(deriveMerges([
      { piece: 'a', score: 0, mergeable: true },
      { piece: 'aa', score: 0, mergeable: false },
    ])).toEqual([]);
  });
});
