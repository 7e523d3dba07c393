import { gather, pickLast, putLast, scatterAdd } from '../ops/nn.js';
import type { GradRule } from './rule.js';

/** Gather's adjoint scatters rows back. */
export const GatherGrad: GradRule<'Gather'> = {
  vjp(dy, { table, ids }) {
    return { table: scatterAdd(dy, ids, table.shape[0]), ids: null };
  },
};

/** ScatterAdd's adjoint gathers rows. */
export const ScatterAddGrad: GradRule<'ScatterAdd'> = {
  vjp(dy, { ids }) {
    return { updates: gather(dy, ids), ids: null };
  },
};

/** PickLast's adjoint puts values back. */
export const PickLastGrad: GradRule<'PickLast'> = {
  vjp(dy, { x, idx }) {
    return { x: x.dtype === 'f32' ? putLast(dy, idx, x.shape[x.rank - 1]) : null, idx: null };
  },
};

/** PutLast's adjoint picks values. */
export const PutLastGrad: GradRule<'PutLast'> = {
  vjp(dy, { idx }) {
    return { values: pickLast(dy, idx), idx: null };
  },
};
