/** A content hash of a model's weights (verifies that `restore()` undid an edit bit for bit). */
import { createHash } from 'node:crypto';
import { toF16Bits, type LanguageModel } from '@crossedit/core';

/**
 * SHA-256 (hex) over every weight in sorted name order: the name, its shape, and its values as
 * little-endian float32 bytes (an `f16` weight: its half-precision bits, so a restore is checked against
 * the loaded f16 bits). Equal on any backend for equal values.
 *
 * @example
 * ```ts
 * const before = await weightsHash(model);
 * const edit = await rome.apply(ctx, [req], hp);
 * await edit.restore();
 * expect(await weightsHash(model)).toBe(before);
 * ```
 */
export async function weightsHash(model: LanguageModel): Promise<string> {
  const h = createHash('sha256');
  const entries = [...model.weights()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [name, t] of entries) {
    h.update(`${name}\0${t.dtype}[${t.shape.join(',')}]\0`);
    const data = await t.data();
    const raw = t.dtype === 'f16' ? toF16Bits(data) : data instanceof Float32Array || data instanceof Int32Array ? data : Float32Array.from(data);
    h.update(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength));
  }
  return h.digest('hex');
}
