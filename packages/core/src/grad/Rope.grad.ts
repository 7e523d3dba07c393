import { runKernel } from '../engine.js';
import type { GradRule } from './rule.js';

/** A rotation's adjoint is the opposite rotation. */
export const RopeGrad: GradRule<'Rope'> = {
  vjp(dy, { positions }, _outputs, { base, inverse }) {
    return { x: runKernel('Rope', { x: dy, positions }, { base, inverse: !inverse })[0], positions: null };
  },
};
