/** The check that loaded weights hold only finite numbers. */
import { FormatError, fmtShape } from '@crossedit/core';

/**
 * Throws a `FormatError` naming the file and tensor when `values` holds a NaN or an infinity, with the first
 * bad element's index and value and how many there are. One pass over the values (the loaders call it on
 * each tensor as it streams by, next to the read it follows).
 *
 * @example
 * ```ts
 * const w = await ckpt.read(name, { shape });
 * checkFinite(w, ckpt.entry(name).file, name, shape);
 * ```
 */
export function checkFinite(values: Float32Array, file: string, tensor: string, shape?: readonly number[]): void {
  let first = -1;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v - v !== 0) {
      // NaN - NaN and ±Inf - ±Inf are NaN; finite - finite is 0
      if (first < 0) first = i;
      count++;
    }
  }
  if (first < 0) return;
  let at = String(first);
  if (shape && shape.length > 1) {
    const idx: number[] = [];
    let r = first;
    for (let d = shape.length - 1; d >= 0; d--) {
      idx.unshift(r % shape[d]);
      r = Math.floor(r / shape[d]);
    }
    at = `[${idx.join(', ')}]`;
  }
  throw new FormatError(
    file,
    `tensor '${tensor}'${shape ? ` ${fmtShape(shape)}` : ''} holds ${count} non-finite value${count > 1 ? 's' : ''} (first: ${values[first]} at ${at}); expected finite weights`,
  );
}
