/** A content hash of a model's weights (verifies that `restore()` undid an edit bit for bit). */
import { createHash } from 'node:crypto';
import type { LanguageModel } from '@crossedit/core';

/**
 * SHA-256 (hex) over every weight in sorted name order: the name, its shape, and its values as
 * little-endian float32 bytes. Equal on any backend for equal values. An `f16` weight hashes as the f32
 * values it holds (each exact, one per half-precision bit pattern), so a restore is checked against the
 * loaded f16 bits, and a model hashes the same whether its half-precision checkpoint was loaded in f16 or
 * f32 (statistics and trained artifacts keyed by the hash stay valid); results record the dtype apart.
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
    h.update(`${name}\0${t.dtype === 'f16' ? 'f32' : t.dtype}[${t.shape.join(',')}]\0`);
    const data = await t.data();
    const f32 = data instanceof Float32Array || data instanceof Int32Array ? data : Float32Array.from(data);
    h.update(new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength));
  }
  return h.digest('hex');
}
