/** Padding token rows into a batch, as the test tokenizers' `encodeBatch` does. */
import type { BatchEncoding, PaddingSide } from '@crossedit/core';

/** Pads `rows` to the longest on `side` with `padId` (mask 0 there). */
export function padBatch(rows: readonly number[][], side: PaddingSide, padId: number): BatchEncoding {
  const s = Math.max(0, ...rows.map((r) => r.length));
  const pad = <T>(r: readonly T[], v: T) => {
    const fill = new Array<T>(s - r.length).fill(v);
    return side === 'left' ? [...fill, ...r] : [...r, ...fill];
  };
  return { ids: rows.map((r) => pad(r, padId)), attentionMask: rows.map((r) => pad(r.map(() => 1), 0)), lengths: rows.map((r) => r.length) };
}
