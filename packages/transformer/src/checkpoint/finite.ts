/** The check that loaded weights hold only finite numbers. */
import { FormatError, fmtShape } from '@crossedit/core';
import { unravel } from './read-as.js';

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
  const at = shape && shape.length > 1 ? `[${unravel(first, shape).join(', ')}]` : String(first);
  throw new FormatError(
    file,
    `tensor '${tensor}'${shape ? ` ${fmtShape(shape)}` : ''} holds ${count} non-finite value${count > 1 ? 's' : ''} (first: ${values[first]} at ${at}); expected finite weights`,
  );
}

/**
 * {@link checkFinite} for half-precision bits (`Uint16Array`): exponent bits all ones are an infinity or a NaN.
 */
export function checkFiniteF16(bits: Uint16Array, file: string, tensor: string, shape?: readonly number[]): void {
  let first = -1;
  let count = 0;
  for (let i = 0; i < bits.length; i++) {
    if ((bits[i] & 0x7c00) === 0x7c00) {
      if (first < 0) first = i;
      count++;
    }
  }
  if (first < 0) return;
  const h = bits[first];
  const value = h & 0x3ff ? NaN : h & 0x8000 ? -Infinity : Infinity;
  const at = shape && shape.length > 1 ? `[${unravel(first, shape).join(', ')}]` : String(first);
  throw new FormatError(
    file,
    `tensor '${tensor}'${shape ? ` ${fmtShape(shape)}` : ''} holds ${count} non-finite value${count > 1 ? 's' : ''} (first: ${value} at ${at}); expected finite weights`,
  );
}
