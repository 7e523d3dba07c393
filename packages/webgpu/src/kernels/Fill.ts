/** A constant tensor. */
import { valueBits } from './common.js';
import type { GpuKernel } from './types.js';

/**
 * y = value everywhere (bit-exact, so ±inf and NaN fill too). The output is a pending constant (see
 * `GpuStorage`): elementwise programs read it from a uniform, and the buffer is written only if another
 * program binds it or it is read back.
 */
export const Fill: GpuKernel<'Fill'> = (ctx, _inputs, { value, dtype }, [out]) => [ctx.allocConstant(out, valueBits(value, dtype))];
