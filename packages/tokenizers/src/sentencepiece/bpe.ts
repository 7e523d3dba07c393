/**
 * SentencePiece's BPE segmentation (`bpe::Model::Encode`), reproduced exactly: start from characters
 * (user-defined symbols are single frozen symbols), repeatedly merge the adjacent pair whose concatenation
 * is a piece with the highest score, the leftmost pair on ties, then split pieces of type UNUSED back
 * into the pieces they were merged from.
 *
 * This is the one place where SentencePiece and HF's BPE differ: HF ranks merges in a fixed order,
 * SentencePiece breaks score ties by position, and the Chinese-LLaMA vocabularies give thousands of
 * pieces the same score (0.0), so their segmentations disagree on about one Chinese line in ten.
 */

/** What the segmenter needs from a vocabulary. */
export interface BpeVocab {
  /** Ids of pieces that merges may produce (types NORMAL, USER_DEFINED, UNUSED). */
  mergeable: Map<string, number>;
  /** Score of each id. */
  scores: Float64Array;
  /** Whether each id is of type UNUSED. */
  unused: Uint8Array;
}

/**
 * One chunk's segmentation as flat triples `[piece, start, end]`, offsets in UTF-16 units relative to
 * the chunk. `symbols` are the chunk's initial symbols (characters), all mergeable with each other.
 */
export function bpeSegment(symbols: string[], vocab: BpeVocab): { pieces: string[]; starts: number[]; ends: number[] } {
  const n = symbols.length;
  const piece = symbols.slice();
  const start: number[] = new Array(n);
  let off = 0;
  for (let i = 0; i < n; i++) {
    start[i] = off;
    off += symbols[i].length;
  }
  const prev = new Int32Array(n);
  const next = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    prev[i] = i - 1;
    next[i] = i + 1 < n ? i + 1 : -1;
  }
  const heap = new PairHeap();
  let revMerge: Map<string, [string, string]> | null = null;

  const maybeAdd = (left: number, right: number) => {
    if (left < 0 || right < 0) return;
    const merged = piece[left] + piece[right];
    const id = vocab.mergeable.get(merged);
    if (id === undefined) return;
    heap.push(vocab.scores[id], left, right, merged.length);
    if (vocab.unused[id]) (revMerge ??= new Map()).set(merged, [piece[left], piece[right]]);
  };

  for (let i = 1; i < n; i++) maybeAdd(i - 1, i);
  while (heap.size > 0) {
    const [left, right, size] = heap.pop();
    const lp = piece[left];
    const rp = piece[right];
    if (lp.length === 0 || rp.length === 0 || lp.length + rp.length !== size) continue;
    piece[left] = lp + rp;
    next[left] = next[right];
    if (next[right] >= 0) prev[next[right]] = left;
    piece[right] = '';
    maybeAdd(prev[left], left);
    maybeAdd(left, next[left]);
  }

  const pieces: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  const emit = (w: string, s: number) => {
    const id = vocab.mergeable.get(w);
    const split = id !== undefined && vocab.unused[id] ? revMerge?.get(w) : undefined;
    if (split) {
      emit(split[0], s);
      emit(split[1], s + split[0].length);
      return;
    }
    pieces.push(w);
    starts.push(s);
    ends.push(s + w.length);
  };
  for (let i = 0; i >= 0 && i < n; i = next[i]) emit(piece[i], start[i]);
  return { pieces, starts, ends };
}

/**
 * A binary max-heap of candidate merges ordered as SentencePiece's agenda: higher score first, then the
 * smaller left index.
 */
class PairHeap {
  private score: number[] = [];
  private left: number[] = [];
  private right: number[] = [];
  private size_: number[] = [];

  get size(): number {
    return this.score.length;
  }

  private before(a: number, b: number): boolean {
    const sa = this.score[a];
    const sb = this.score[b];
    return sa > sb || (sa === sb && this.left[a] < this.left[b]);
  }

  private swap(a: number, b: number): void {
    for (const arr of [this.score, this.left, this.right, this.size_]) {
      const t = arr[a];
      arr[a] = arr[b];
      arr[b] = t;
    }
  }

  push(score: number, left: number, right: number, size: number): void {
    this.score.push(score);
    this.left.push(left);
    this.right.push(right);
    this.size_.push(size);
    let i = this.score.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  pop(): [left: number, right: number, size: number] {
    const top: [number, number, number] = [this.left[0], this.right[0], this.size_[0]];
    const last = this.score.length - 1;
    this.swap(0, last);
    this.score.pop();
    this.left.pop();
    this.right.pop();
    this.size_.pop();
    const n = this.score.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.before(l, m)) m = l;
      if (r < n && this.before(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
    return top;
  }
}
