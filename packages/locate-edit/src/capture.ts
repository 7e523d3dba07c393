/** Reads activations at the rows' lookup positions (keys, MLP outputs, residual streams). */
import { gather, reshape, tensor, tidy, untrack, type Hook, type LanguageModel, type ModuleRef, type Tensor, type Tokenizer } from '@crossedit/core';
import { batchRows, type EditRow } from './rows.js';

/** What to read: a module and whether its input or its output. */
export interface CaptureSpec {
  ref: ModuleRef;
  io: 'input' | 'output';
}

/** The deepest decoder layer a capture needs (so the forward pass can stop there), or undefined. */
function stopLayer(specs: readonly CaptureSpec[]): number | undefined {
  let max = -1;
  for (const s of specs) {
    if (!('layer' in s.ref)) return undefined;
    max = Math.max(max, s.ref.layer);
  }
  return max >= 0 ? max : undefined;
}

/**
 * Runs the rows (no gradient) and returns, per spec, the activation at each row's lookup position as
 * host values, `rows.length × width` row-major. The pass stops after the deepest layer needed.
 */
export async function captureAtLookup(model: LanguageModel, tok: Tokenizer, rows: readonly EditRow[], specs: readonly CaptureSpec[]): Promise<Float64Array[]> {
  const picked = tidy(() => {
    const b = batchRows(tok, rows, model.backend);
    const flat = Int32Array.from(rows.map((r, i) => i * b.seqLen + r.lookup));
    const idx = tensor(flat, [rows.length], { backend: model.backend, dtype: 'i32' });
    const got: (Tensor | null)[] = specs.map(() => null);
    // pick the lookup rows inside the hook and take them out of every scope (the model runs each
    // layer in its own tidy), so only [n, width] survives the pass
    const hooks: Hook[] = specs.map((s, i) => ({
      ref: s.ref,
      io: s.io,
      fn: (x: Tensor) => {
        const w = x.shape[x.rank - 1];
        got[i]?.dispose();
        got[i] = untrack(gather(reshape(x, [rows.length * b.seqLen, w]), idx));
      },
    }));
    model.forward(b.ids, { attentionMask: b.mask, hooks, stopAfterLayer: stopLayer(specs) });
    return got.map((x, i) => {
      if (!x) throw new Error(`captureAtLookup: the model never called the hook on ${JSON.stringify(specs[i].ref)} ${specs[i].io}`);
      return x;
    });
  });
  const out: Float64Array[] = [];
  for (const t of picked) {
    out.push(Float64Array.from(await t.data()));
    t.dispose();
  }
  return out;
}

/** Mean of `n` row vectors of width `w` (row-major). */
export function meanRows(x: Float64Array, n: number, w: number): Float64Array {
  const m = new Float64Array(w);
  for (let i = 0; i < n; i++) for (let j = 0; j < w; j++) m[j] += x[i * w + j];
  for (let j = 0; j < w; j++) m[j] /= n;
  return m;
}

/** Euclidean norm. */
export function norm2(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s);
}

/** Dot product. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
