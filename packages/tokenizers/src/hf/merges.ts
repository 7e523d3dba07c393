/** BPE merges derived from a SentencePiece vocabulary and its scores. */

/** One vocabulary entry as the merge derivation sees it. */
export interface ScoredPiece {
  piece: string;
  score: number;
  /** Whether merges may produce this piece (SentencePiece types NORMAL, USER_DEFINED, UNUSED). */
  mergeable: boolean;
}

/**
 * The merges of a SentencePiece BPE vocabulary, the way HF's SentencePiece converter derives them: for
 * every mergeable piece, every split into two in-vocabulary pieces is a merge; merges are ordered by the
 * merged piece's score (highest first), ties kept in vocabulary order (then by the ids of the two parts).
 *
 * HF's BPE applies merges by this fixed rank, while SentencePiece breaks equal scores by position (the
 * leftmost pair first), so vocabularies with many equal scores segment differently under HF.
 *
 * @example
 * deriveMerges([{ piece: 'a', score: 0, mergeable: true }, { piece: 'b', score: 0, mergeable: true },
 *   { piece: 'ab', score: -1, mergeable: true }]); // [['a', 'b']]
 */
export function deriveMerges(pieces: readonly ScoredPiece[]): [string, string][] {
  const id = new Map<string, number>();
  pieces.forEach((p, i) => {
    if (!id.has(p.piece)) id.set(p.piece, i);
  });
  const found: { l: string; r: string; score: number }[] = [];
  pieces.forEach((p) => {
    if (!p.mergeable) return;
    const chars = Array.from(p.piece);
    if (chars.length < 2) return;
    const local: { l: string; r: string; li: number; ri: number }[] = [];
    let left = '';
    for (let k = 1; k < chars.length; k++) {
      left += chars[k - 1];
      const right = p.piece.slice(left.length);
      const li = id.get(left);
      const ri = id.get(right);
      if (li !== undefined && ri !== undefined) local.push({ l: left, r: right, li, ri });
    }
    local.sort((a, b) => a.li - b.li || a.ri - b.ri);
    for (const m of local) found.push({ l: m.l, r: m.r, score: p.score });
  });
  // stable sort by score, descending (Array.prototype.sort is stable)
  found.sort((a, b) => b.score - a.score);
  return found.map((m) => [m.l, m.r]);
}
