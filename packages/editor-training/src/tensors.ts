/** Host copies of tensors for checkpoints and artifacts, and back. */
import { tensor, type Backend, type Tensor } from '@crossedit/core';
import type { SafeTensor } from '@crossedit/stats';

/** A host copy of `t` (F64 when the backend keeps float64, so checkpoints resume bit-identically). */
export async function toSafe(t: Tensor): Promise<SafeTensor> {
  const d = await t.data();
  if (d instanceof Float64Array) return { dtype: 'F64', shape: [...t.shape], data: Float64Array.from(d) };
  return { dtype: 'F32', shape: [...t.shape], data: Float32Array.from(d) };
}

/** The same values as F32 (for artifacts). */
export function asF32(s: SafeTensor): SafeTensor {
  return s.dtype === 'F32' ? s : { dtype: 'F32', shape: s.shape, data: Float32Array.from(s.data) };
}

/** A tensor from a host copy. */
export function fromSafe(s: SafeTensor, backend: Backend): Tensor {
  return tensor(s.data, s.shape, { backend });
}

/** Host copies of named tensors. */
export async function toSafeAll(ts: Record<string, Tensor>): Promise<Record<string, SafeTensor>> {
  const out: Record<string, SafeTensor> = {};
  for (const [k, v] of Object.entries(ts)) out[k] = await toSafe(v);
  return out;
}

/** The tensor `name` of a loaded file, or a clear error. */
export function need(ts: Record<string, SafeTensor>, name: string, where: string): SafeTensor {
  const t = ts[name];
  if (!t) throw new Error(`${where}: tensor '${name}' is missing`);
  return t;
}
