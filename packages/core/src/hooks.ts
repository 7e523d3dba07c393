/**
 * Hook constructors for {@link LanguageModel.forward}: capture an activation, add a vector at given
 * (row, position) pairs, replace activations there. All are written with ops, so gradients flow through
 * them (ROME's δ, KN's scaled activations, MEND's captured inputs).
 */
import { untrack } from './engine.js';
import { add, mul, sub } from './ops/elementwise.js';
import { tensor } from './ops/creation.js';
import { detach, reshape } from './ops/layout.js';
import { matmul } from './ops/nn.js';
import { sum } from './ops/reduce.js';
import { ShapeError } from './errors.js';
import type { Hook, ModuleRef } from './model.js';
import type { Tensor } from './tensor.js';

/** A (row, position) pair in a `[B, S, D]` activation. */
export interface Site {
  row: number;
  pos: number;
}

/**
 * A hook that hands the activation to `sink`: a new handle on the same data that no `tidy` scope owns
 * (the forward pass runs in its own scopes), so it outlives the forward; the receiver disposes it.
 */
export function captureHook(ref: ModuleRef, io: 'input' | 'output', sink: (x: Tensor) => void): Hook {
  return { ref, io, fn: (x) => void sink(untrack(detach(x))) };
}

/** `[B, S, n]` one-hot selector: 1 at `(sites[i].row, sites[i].pos, i)`. @internal */
function selector(x: Tensor, sites: readonly Site[], what: string): Tensor {
  const [b, s] = x.shape;
  const n = sites.length;
  const sel = new Float64Array(b * s * n);
  const seen = new Set<number>();
  sites.forEach(({ row, pos }, i) => {
    if (seen.has(row * s + pos)) throw new ShapeError(`${what}: site (row ${row}, pos ${pos}) is given twice`);
    seen.add(row * s + pos);
    if (row < 0 || row >= b || pos < 0 || pos >= s) {
      throw new ShapeError(`${what}: site (row ${row}, pos ${pos}) is outside the activation ${x.describe()}`);
    }
    sel[(row * s + pos) * n + i] = 1;
  });
  return tensor(sel, [b, s, n], { backend: x.backend });
}

/**
 * Adds `vec` at each site: `vec` is `[D]` (the same vector everywhere) or `[n, D]` (one per site).
 * Differentiable with respect to `vec` and the activation.
 */
export function addAtHook(ref: ModuleRef, sites: readonly Site[], vec: Tensor, io: 'input' | 'output' = 'output'): Hook {
  return {
    ref,
    io,
    fn: (x) => {
      const d = x.shape[x.rank - 1];
      const v = vec.rank === 1 ? reshape(vec, [1, d]) : vec;
      if (v.shape[1] !== d || (vec.rank === 2 && vec.shape[0] !== sites.length)) {
        throw new ShapeError(`addAtHook: vector ${vec.describe()} does not fit ${sites.length} sites of width ${d}`);
      }
      const sel = selector(x, sites, 'addAtHook');
      // [B,S,n] x [n,D] → [B,S,D]; with one shared vector, sum the selector over n first
      const placed = vec.rank === 1 ? mul(reshape(sumLast(sel), [x.shape[0], x.shape[1], 1]), v) : matmulSel(sel, v);
      return add(x, placed);
    },
  };
}

/**
 * Replaces the activation at each site with `values` (`[n, D]`, one row per site; or `[D]`).
 * Differentiable with respect to `values`.
 */
export function replaceAtHook(ref: ModuleRef, sites: readonly Site[], values: Tensor, io: 'input' | 'output' = 'output'): Hook {
  return {
    ref,
    io,
    fn: (x) => {
      const sel = selector(x, sites, 'replaceAtHook');
      const [b, s] = x.shape;
      const any = reshape(sumLast(sel), [b, s, 1]);
      const v = values.rank === 1 ? reshape(values, [1, values.shape[0]]) : values;
      const placed = values.rank === 1 ? mul(any, v) : matmulSel(sel, v);
      return add(mul(x, sub(1, any)), placed);
    },
  };
}

function sumLast(t: Tensor): Tensor {
  return sum(t, -1);
}
function matmulSel(sel: Tensor, v: Tensor): Tensor {
  return matmul(sel, v);
}
