/** Running models in backbone tests: logits on a fixed batch, and the WebGPU backend when there is one. */
import { tensor, tidy, type Backend } from '@crossedit/core';
import type { LanguageModel } from '@crossedit/core';

/** A fixed batch of two rows (ids below 31) for logits comparisons; the second row is left-padded. */
export const LOGIT_IDS: readonly (readonly number[])[] = [
  [1, 5, 9, 30, 7, 2, 11, 4],
  [0, 0, 1, 17, 3, 29, 4, 8],
];
/** The attention mask of {@link LOGIT_IDS}. */
export const LOGIT_MASK: readonly (readonly number[])[] = [
  [1, 1, 1, 1, 1, 1, 1, 1],
  [0, 0, 1, 1, 1, 1, 1, 1],
];

/**
 * The WebGPU backend, or the reason there is none (`@crossedit/webgpu` without `createWebGpuBackend`, or no
 * adapter), so parity tests can skip with a note.
 */
export async function tryWebGpu(): Promise<{ backend: Backend | null; why: string }> {
  try {
    const mod = (await import('@crossedit/webgpu')) as unknown as Record<string, unknown>;
    const create = mod.createWebGpuBackend as undefined | (() => Backend | Promise<Backend>);
    if (typeof create !== 'function') return { backend: null, why: '@crossedit/webgpu does not export createWebGpuBackend yet' };
    return { backend: await create(), why: '' };
  } catch (e) {
    return { backend: null, why: `no WebGPU backend here: ${(e as Error).message}` };
  }
}

/**
 * The logits `[B·S·V]` (host float64) of a model on `ids` (`[B][S]`), with an optional `[B][S]` 0/1 mask.
 */
export async function logitsOf(model: LanguageModel, ids: readonly (readonly number[])[], mask?: readonly (readonly number[])[]): Promise<Float64Array> {
  const be = model.backend;
  const b = ids.length;
  const s = ids[0].length;
  const t = tidy(() => {
    const x = tensor(Int32Array.from(ids.flat()), [b, s], { backend: be, dtype: 'i32' });
    const m = mask ? tensor(mask.flat(), [b, s], { backend: be }) : undefined;
    return model.forward(x, { attentionMask: m }).logits!;
  });
  const d = Float64Array.from(await t.data());
  t.dispose();
  return d;
}

/**
 * The logits at real (mask = 1) positions only: padding positions attend to nothing real, so their values are
 * arbitrary and may differ between backends.
 */
export function atReal(logits: Float64Array, mask: readonly (readonly number[])[], vocab: number): Float64Array {
  const keep: number[] = [];
  mask.flat().forEach((m, i) => (m ? keep.push(i) : undefined));
  const out = new Float64Array(keep.length * vocab);
  keep.forEach((p, k) => out.set(logits.subarray(p * vocab, (p + 1) * vocab), k * vocab));
  return out;
}

/** The largest `|a - b| / (atol + rtol·|b|)` ratio (≤ 1 means within tolerance). */
export function worstRatio(a: ArrayLike<number>, b: ArrayLike<number>, rtol: number, atol: number): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const r = Math.abs(a[i] - b[i]) / (atol + rtol * Math.abs(b[i]));
    if (!(r <= worst)) worst = Number.isNaN(r) ? Infinity : r;
  }
  return worst;
}
