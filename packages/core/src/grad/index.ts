/** Every differentiable kernel's VJP rule; the mapped type makes a missing rule a compile error. */
import type { DifferentiableKernel } from '../kernels/defs.js';
import { BinaryGrad } from './Binary.grad.js';
import { GatherGrad, PickLastGrad, PutLastGrad, ScatterAddGrad } from './Gather.grad.js';
import { ConcatGrad, PadGrad, ReshapeGrad, SliceGrad, TransposeGrad } from './layout.grad.js';
import { MatMulGrad } from './MatMul.grad.js';
import { ReduceGrad } from './Reduce.grad.js';
import { RmsNormGrad } from './RmsNorm.grad.js';
import { RopeGrad } from './Rope.grad.js';
import type { GradRule } from './rule.js';
import { LogSoftmaxGrad, SoftmaxGrad } from './Softmax.grad.js';
import { SoftmaxNllGrad } from './SoftmaxNll.grad.js';
import { AttentionGrad } from './Attention.grad.js';
import { SwiGLUGrad } from './SwiGLU.grad.js';
import { UnaryGrad } from './Unary.grad.js';
import { WhereGrad } from './Where.grad.js';

export type { GradRule, InputGrads } from './rule.js';
export { unbroadcast, broadcastTo } from './rule.js';

/** The gradient table. */
export const GRAD_RULES: { readonly [K in DifferentiableKernel]: GradRule<K> } = {
  Unary: UnaryGrad,
  Binary: BinaryGrad,
  Where: WhereGrad,
  Reduce: ReduceGrad,
  Softmax: SoftmaxGrad,
  LogSoftmax: LogSoftmaxGrad,
  RmsNorm: RmsNormGrad,
  Rope: RopeGrad,
  MatMul: MatMulGrad,
  Gather: GatherGrad,
  ScatterAdd: ScatterAddGrad,
  PickLast: PickLastGrad,
  PutLast: PutLastGrad,
  Transpose: TransposeGrad,
  Slice: SliceGrad,
  Pad: PadGrad,
  Concat: ConcatGrad,
  Reshape: ReshapeGrad,
  SwiGLU: SwiGLUGrad,
  SoftmaxNll: SoftmaxNllGrad,
  Attention: AttentionGrad,
};
