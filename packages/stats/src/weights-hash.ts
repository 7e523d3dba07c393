/** A content hash of a model's weights, the first part of every statistics artifact's address. */
import { createHash } from 'node:crypto';
import type { LanguageModel } from '@crossedit/core';

/**
 * SHA-256 (hex) over every weight of `model`: for each canonical name in sorted order, the name, the
 * shape and the values as little-endian float32 bytes. Backends that keep f32 tensors in float64 are
 * hashed by the float32 rounding of their values, so both backends give the same hash for the same
 * checkpoint. Reads every weight back once; compute it before any edit is applied.
 *
 * @example
 * ```ts
 * const before = await weightsHash(model);
 * const r = await rome.apply(ctx, [req], hp);
 * await r.restore();
 * expect(await weightsHash(model)).toBe(before);
 * ```
 */
export async function weightsHash(model: LanguageModel): Promise<string> {
  const h = createHash('sha256');
  const all = model.weights();
  for (const name of [...all.keys()].sort()) {
    const t = all.get(name)!;
    h.update(`${name}\u0000${t.dtype}[${t.shape.join(',')}]\u0000`);
    const d = await t.data();
    const f = d instanceof Float32Array || d instanceof Int32Array ? d : Float32Array.from(d);
    h.update(new Uint8Array(f.buffer, f.byteOffset, f.byteLength));
  }
  return h.digest('hex');
}
