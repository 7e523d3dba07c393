import type { HostKernel } from './kernel.js';

/** Same data, new shape. The engine aliases reshapes without calling the backend; this copy exists for completeness. */
export const Reshape: HostKernel<'Reshape'> = ({ x }) => [x.data.slice()];
