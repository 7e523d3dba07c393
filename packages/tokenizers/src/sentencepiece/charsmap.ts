/**
 * SentencePiece's precompiled normalization map (`NormalizerSpec.precompiled_charsmap`): a little-endian
 * uint32 trie size, a darts-clone double-array trie over UTF-8 byte strings, then the NUL-terminated
 * replacement strings the trie's values point into.
 */
import { FormatError } from '@crossedit/core';

/** The most prefix matches SentencePiece looks at per position (its `kMaxTrieResultsSize`). */
const MAX_TRIE_RESULTS = 32;

/** A decoded precompiled charsmap: longest-prefix replacement rules over UTF-8 bytes. */
export class PrecompiledCharsmap {
  private readonly units: Uint32Array;
  private readonly strings: Uint8Array;
  private readonly decoded = new Map<number, string>();
  private readonly utf8 = new TextDecoder('utf-8');

  /**
   * @param blob the raw `precompiled_charsmap` bytes
   * @param file the model file, for error messages
   */
  constructor(blob: Uint8Array, file: string) {
    if (blob.length < 4) throw new FormatError(file, `NormalizerSpec.precompiled_charsmap has ${blob.length} bytes; expected at least 4`);
    const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    const trieSize = view.getUint32(0, true);
    if (trieSize % 4 !== 0 || 4 + trieSize > blob.length) {
      throw new FormatError(file, `NormalizerSpec.precompiled_charsmap declares a ${trieSize}-byte trie in a ${blob.length}-byte blob`);
    }
    this.units = new Uint32Array(trieSize / 4);
    for (let i = 0; i < this.units.length; i++) this.units[i] = view.getUint32(4 + 4 * i, true);
    this.strings = blob.subarray(4 + trieSize);
  }

  /**
   * The longest rule matching `bytes` at `pos`, as `[matchedByteLength, replacement]`, or null. This is
   * darts-clone's `commonPrefixSearch` keeping the longest of the first 32 results, as SentencePiece does.
   */
  longestMatch(bytes: Uint8Array, pos: number): [number, string] | null {
    const u = this.units;
    if (u.length === 0) return null;
    let node = offsetOf(u[0]);
    let found = 0;
    let bestLen = 0;
    let bestValue = 0;
    for (let i = pos; i < bytes.length; i++) {
      const c = bytes[i];
      node ^= c;
      if (node >= u.length) break;
      const unit = u[node];
      if ((unit & 0x800000ff) !== c) break; // label mismatch
      node ^= offsetOf(unit);
      if ((unit >>> 8) & 1) {
        // has a leaf: its value is in the unit at the new node
        if (found < MAX_TRIE_RESULTS) {
          bestLen = i + 1 - pos;
          bestValue = u[node] & 0x7fffffff;
        }
        found++;
      }
    }
    if (bestLen === 0) return null;
    return [bestLen, this.replacement(bestValue)];
  }

  private replacement(offset: number): string {
    let s = this.decoded.get(offset);
    if (s === undefined) {
      let end = offset;
      while (end < this.strings.length && this.strings[end] !== 0) end++;
      s = this.utf8.decode(this.strings.subarray(offset, end));
      this.decoded.set(offset, s);
    }
    return s;
  }
}

function offsetOf(unit: number): number {
  return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
}
