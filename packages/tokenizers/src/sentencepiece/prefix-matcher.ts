/** Longest-match lookup of SentencePiece user-defined symbols. */

/** Finds the longest of a fixed set of strings that starts at a given offset. */
export class PrefixMatcher {
  private readonly byFirst = new Map<number, string[]>();

  /** @param symbols the strings to match (empty strings are ignored) */
  constructor(symbols: readonly string[]) {
    for (const s of symbols) {
      if (s.length === 0) continue;
      const k = s.charCodeAt(0);
      const list = this.byFirst.get(k) ?? [];
      list.push(s);
      this.byFirst.set(k, list);
    }
    for (const list of this.byFirst.values()) list.sort((a, b) => b.length - a.length);
  }

  /** Whether the matcher has no symbols. */
  get empty(): boolean {
    return this.byFirst.size === 0;
  }

  /** UTF-16 length of the longest symbol that starts at `text[pos]`, or 0. */
  match(text: string, pos: number): number {
    const list = this.byFirst.get(text.charCodeAt(pos));
    if (list === undefined) return 0;
    for (const s of list) if (text.startsWith(s, pos)) return s.length;
    return 0;
  }
}
