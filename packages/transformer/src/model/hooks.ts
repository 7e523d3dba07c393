/**
 * Hook constructors: capture, add at (row, position) pairs, replace, add a whole tensor. All of them are
 * built from differentiable ops, so gradients flow through hooked points (ROME's δ, KN's activations,
 * MEND's per-module input/output-gradient capture).
 */
import {
  ShapeError,
  add,
  fmtShape,
  gather,
  matmul,
  mul,
  reshape,
  tensor,
  untrack,
  type Hook,
  type ModuleRef,
  type Tensor,
} from '@crossedit/core';
import { refToString } from './hook-table.js';

/** `(row, position)` pairs as two equal-length lists. */
export interface At {
  rows: readonly number[];
  positions: readonly number[];
}

function checkPairs(what: string, ref: ModuleRef, rows: readonly number[], positions: readonly number[]): void {
  if (rows.length !== positions.length) {
    throw new RangeError(`${what} ${refToString(ref)}: ${rows.length} rows but ${positions.length} positions`);
  }
}

function checkRange(what: string, ref: ModuleRef, x: Tensor, rows: readonly number[], positions: readonly number[]): void {
  if (x.rank !== 3) throw new ShapeError(`${what} ${refToString(ref)}: expects a [B, S, F] activation, got ${x.describe()}`);
  const [b, s] = x.shape;
  rows.forEach((r, i) => {
    const p = positions[i];
    if (!Number.isInteger(r) || r < 0 || r >= b || !Number.isInteger(p) || p < 0 || p >= s) {
      throw new RangeError(`${what} ${refToString(ref)}: pair ${i} (row ${r}, position ${p}) is outside [${b}, ${s}]`);
    }
  });
}

/**
 * The rows of `x: [B, S, F]` at `(row, position)` pairs → `[n, F]` (differentiable w.r.t. `x`).
 *
 * @example
 * ```ts
 * const last = selectAt(hidden, [0, 1], [4, 6]); // [2, D]
 * ```
 */
export function selectAt(x: Tensor, rows: readonly number[], positions: readonly number[]): Tensor {
  if (x.rank !== 3) throw new ShapeError(`selectAt: expects [B, S, F], got ${x.describe()}`);
  const [b, s, f] = x.shape;
  const ids = rows.map((r, i) => {
    const p = positions[i];
    if (r < 0 || r >= b || p < 0 || p >= s) throw new RangeError(`selectAt: (row ${r}, position ${p}) is outside [${b}, ${s}]`);
    return r * s + p;
  });
  const flat = reshape(x, [b * s, f]);
  const idx = tensor(Int32Array.from(ids), [ids.length], { backend: x.backend, dtype: 'i32' });
  const out = gather(flat, idx);
  flat.dispose();
  idx.dispose();
  return out;
}

/**
 * A hook that hands a module's input or output to `sink`, either whole (`[B, S, F]`) or at the given
 * `(row, position)` pairs (`[n, F]`). The tensor given to `sink` is a new handle that no `tidy` scope
 * tracks: **the caller owns it and must dispose it**. It stays connected to the graph, so inside
 * `valueAndGrads` a loss may use it; call `detach` on it to cut gradients.
 *
 * @example
 * ```ts
 * let keys: Tensor | undefined;
 * tidy(() => { model.forward(ids, { hooks: [captureHook({ kind: 'mlp.down', layer: 5 }, 'input', (t) => (keys = t), { rows: [0], positions: [3] })], stopAfterLayer: 5 }); });
 * // keys: [1, M], alive after tidy; keys.dispose() when done
 * ```
 */
export function captureHook(ref: ModuleRef, io: 'input' | 'output', sink: (t: Tensor) => void, at?: At): Hook {
  if (at) checkPairs('captureHook', ref, at.rows, at.positions);
  return {
    ref,
    io,
    fn: (x) => {
      let t: Tensor;
      if (at) {
        checkRange('captureHook', ref, x, at.rows, at.positions);
        t = selectAt(x, at.rows, at.positions);
      } else t = reshape(x, x.shape);
      sink(untrack(t));
    },
  };
}

function selector(x: Tensor, rows: readonly number[], positions: readonly number[]): Tensor {
  const [b, s] = x.shape;
  const v = new Float64Array(b * s);
  rows.forEach((r, i) => (v[r * s + positions[i]] += 1));
  return tensor(v, [b, s, 1], { backend: x.backend });
}

/** `[B*S, n]` one-hot placement matrix. */
function placement(x: Tensor, rows: readonly number[], positions: readonly number[]): Tensor {
  const [b, s] = x.shape;
  const n = rows.length;
  const v = new Float64Array(b * s * n);
  rows.forEach((r, i) => (v[(r * s + positions[i]) * n + i] = 1));
  return tensor(v, [b * s, n], { backend: x.backend });
}

function placed(what: string, ref: ModuleRef, x: Tensor, rows: readonly number[], positions: readonly number[], vec: Tensor): Tensor {
  const f = x.shape[2];
  if (vec.rank === 1) {
    if (vec.shape[0] !== f) throw new ShapeError(`${what} ${refToString(ref)}: vector ${vec.describe()} does not match feature size ${f}`);
    return mul(selector(x, rows, positions), vec);
  }
  if (vec.rank !== 2 || vec.shape[0] !== rows.length || vec.shape[1] !== f) {
    throw new ShapeError(`${what} ${refToString(ref)}: values ${vec.describe()} must be [${f}] or ${fmtShape([rows.length, f])}`);
  }
  return reshape(matmul(placement(x, rows, positions), vec), x.shape);
}

/**
 * A hook that adds `vec` (`[F]`, the same vector at every pair, or `[n, F]`, one per pair) to a module's
 * input or output at `(row, position)` pairs; differentiable w.r.t. `vec` (ROME/MEMIT's δ).
 *
 * @example
 * ```ts
 * const hook = addAtHook({ kind: 'mlp', layer: 5 }, [0, 1], [3, 7], delta); // delta: [D]
 * const { grads: [gDelta] } = valueAndGrads(() => loss(model.forward(ids, { hooks: [hook] }).logits!), [delta]);
 * ```
 */
export function addAtHook(ref: ModuleRef, rows: readonly number[], positions: readonly number[], vec: Tensor, io: 'input' | 'output' = 'output'): Hook {
  checkPairs('addAtHook', ref, rows, positions);
  return {
    ref,
    io,
    fn: (x) => {
      checkRange('addAtHook', ref, x, rows, positions);
      return add(x, placed('addAtHook', ref, x, rows, positions, vec));
    },
  };
}

/**
 * A hook that replaces a module's input or output at `(row, position)` pairs by `values` (`[F]` for all
 * pairs, or `[n, F]`); differentiable w.r.t. `values` and the untouched entries. Pairs must be distinct.
 */
export function replaceAtHook(ref: ModuleRef, rows: readonly number[], positions: readonly number[], values: Tensor, io: 'input' | 'output' = 'output'): Hook {
  checkPairs('replaceAtHook', ref, rows, positions);
  const seen = new Set<string>();
  rows.forEach((r, i) => {
    const k = `${r},${positions[i]}`;
    if (seen.has(k)) throw new RangeError(`replaceAtHook ${refToString(ref)}: pair (row ${r}, position ${positions[i]}) is given twice`);
    seen.add(k);
  });
  return {
    ref,
    io,
    fn: (x) => {
      checkRange('replaceAtHook', ref, x, rows, positions);
      const sel = selector(x, rows, positions);
      const kept = mul(x, add(mul(sel, -1), 1));
      return add(kept, placed('replaceAtHook', ref, x, rows, positions, values));
    },
  };
}

/**
 * A hook that adds a tensor broadcastable to the module's input or output. With a zeros tensor of the
 * output's shape passed to `valueAndGrads`, its gradient is the gradient w.r.t. that output (MEND's δ).
 */
export function addHook(ref: ModuleRef, delta: Tensor, io: 'input' | 'output' = 'output'): Hook {
  return { ref, io, fn: (x) => add(x, delta) };
}
