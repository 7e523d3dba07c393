/**
 * One forward and backward pass that records, for each edited matrix, its input x at every token and
 * the gradient δ of the edit loss with respect to its output (a zero tensor added at the output is the
 * variable differentiated). Both come back detached, as token rows with padding rows dropped.
 */
import { add, captureHook, gather, logSoftmax, reshape, tensor, tidy, untrack, valueAndGrads, zeros, type Hook, type LanguageModel, type Tensor } from '@crossedit/core';
import { labelLogits, selNll, type Batch } from '@crossedit/editor-training';
import type { EditedMatrix } from './matrices.js';

/** x and δ rows of one matrix. */
export interface Factors {
  /** `[N, in]`. */
  x: Tensor;
  /** `[N, out]`. */
  d: Tensor;
  /** Host copies (row-major). */
  xHost: Float64Array;
  dHost: Float64Array;
  rows: number;
}

/** Releases captured factors. */
export function disposeFactors(fs: readonly Factors[]): void {
  for (const f of fs) {
    f.x.dispose();
    f.d.dispose();
  }
}

/**
 * Runs the edit loss (masked NLL of the labels of `batch`) and returns each matrix's factors and the loss.
 * Rows where x or δ is all zero (padding, positions after the last label) are dropped.
 */
export async function captureFactors(model: LanguageModel, batch: Batch, matrices: readonly EditedMatrix[]): Promise<{ factors: Factors[]; loss: number }> {
  const be = model.backend;
  const [b, s] = [batch.rows, batch.cols];
  const zs = matrices.map((m) => untrack(zeros([b, s, m.outDim], { backend: be })));
  const xs: (Tensor | null)[] = matrices.map(() => null);
  const hooks: Hook[] = matrices.flatMap((m, i) => [
    captureHook({ kind: m.ref.kind, layer: m.ref.layer }, 'input', (x) => {
      xs[i]?.dispose();
      xs[i] = x;
    }),
    { ref: { kind: m.ref.kind, layer: m.ref.layer }, io: 'output' as const, fn: (y: Tensor) => add(y, zs[i]) },
  ]);
  const { value, grads } = valueAndGrads(() => selNll(logSoftmax(labelLogits(model, batch, hooks)), batch), zs);
  const loss = await value.item();
  value.dispose();
  for (const z of zs) z.dispose();
  const factors: Factors[] = [];
  for (let i = 0; i < matrices.length; i++) {
    const m = matrices[i];
    const x = xs[i]!;
    const d = grads[i];
    const [xh, dh] = [await x.data(), await d.data()];
    const keepRows: number[] = [];
    for (let r = 0; r < b * s; r++) {
      let nx = false;
      let nd = false;
      for (let k = 0; k < m.inDim && !nx; k++) nx = xh[r * m.inDim + k] !== 0;
      for (let k = 0; k < m.outDim && !nd; k++) nd = dh[r * m.outDim + k] !== 0;
      if (nx && nd) keepRows.push(r);
    }
    const idx = tensor(Int32Array.from(keepRows), [keepRows.length], { dtype: 'i32', backend: be });
    // in tidy: the reshaped views are intermediates (they leaked 2 tensors per matrix and edit before)
    const x2 = untrack(tidy(() => gather(reshape(x, [b * s, m.inDim]), idx)));
    const d2 = untrack(tidy(() => gather(reshape(d, [b * s, m.outDim]), idx)));
    idx.dispose();
    x.dispose();
    d.dispose();
    const xHost = new Float64Array(keepRows.length * m.inDim);
    const dHost = new Float64Array(keepRows.length * m.outDim);
    keepRows.forEach((r, j) => {
      for (let k = 0; k < m.inDim; k++) xHost[j * m.inDim + k] = xh[r * m.inDim + k];
      for (let k = 0; k < m.outDim; k++) dHost[j * m.outDim + k] = dh[r * m.outDim + k];
    });
    factors.push({ x: x2, d: d2, xHost, dHost, rows: keepRows.length });
  }
  return { factors, loss };
}
