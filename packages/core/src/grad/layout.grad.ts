import { pad, reshape, slice, sliceAxis, transpose } from '../ops/layout.js';
import { normAxis } from '../shape.js';
import type { GradRule } from './rule.js';

/** Transpose back with the inverse permutation. */
export const TransposeGrad: GradRule<'Transpose'> = {
  vjp(dy, _inputs, _outputs, { perm }) {
    const inv = new Array<number>(perm.length);
    perm.forEach((p, i) => (inv[p] = i));
    return { x: transpose(dy, inv) };
  },
};

/** Pad the cotangent back into x's box. */
export const SliceGrad: GradRule<'Slice'> = {
  vjp(dy, { x }, _outputs, { begin, size }) {
    return { x: pad(dy, begin, x.shape.map((d, i) => d - begin[i] - size[i])) };
  },
};

/** Cut the padding off. */
export const PadGrad: GradRule<'Pad'> = {
  vjp(dy, { x }, _outputs, { before }) {
    return { x: slice(dy, before, x.shape) };
  },
};

/** Each input gets its slab of dy. */
export const ConcatGrad: GradRule<'Concat'> = {
  vjp(dy, { xs }, _outputs, { axis }) {
    const ax = normAxis(axis, dy.rank, 'Concat');
    let at = 0;
    return {
      xs: xs.map((x) => {
        const g = sliceAxis(dy, ax, at, at + x.shape[ax]);
        at += x.shape[ax];
        return g;
      }),
    };
  },
};

/** Reshape back. */
export const ReshapeGrad: GradRule<'Reshape'> = {
  vjp(dy, { x }) {
    return { x: reshape(dy, x.shape) };
  },
};
