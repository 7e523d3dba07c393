/** All kernel specs, keyed by name; a mapped type makes a missing spec a compile error. */
import { AdamStepSpec } from './AdamStep.js';
import { ArgReduceSpec } from './ArgReduce.js';
import { BinarySpec } from './Binary.js';
import { CastSpec } from './Cast.js';
import { ConcatSpec } from './Concat.js';
import type { KernelName } from './defs.js';
import { FillSpec } from './Fill.js';
import { GatherSpec } from './Gather.js';
import { MatMulSpec } from './MatMul.js';
import { PadSpec } from './Pad.js';
import { PickLastSpec } from './PickLast.js';
import { PutLastSpec } from './PutLast.js';
import { ReduceSpec } from './Reduce.js';
import { ReshapeSpec } from './Reshape.js';
import { RmsNormGradSpec, RmsNormSpec } from './RmsNorm.js';
import { RopeSpec } from './Rope.js';
import { ScatterAddSpec } from './ScatterAdd.js';
import { SliceSpec } from './Slice.js';
import { SwiGLUGradSpec, SwiGLUSpec } from './SwiGLU.js';
import { LogSoftmaxSpec, SoftmaxGradSpec, SoftmaxSpec } from './Softmax.js';
import { SoftmaxNllGradSpec, SoftmaxNllSpec } from './SoftmaxNll.js';
import { AttentionGradSpec, AttentionSpec } from './Attention.js';
import type { KernelSpec } from './spec.js';
import { TopKSpec } from './TopK.js';
import { TransposeSpec } from './Transpose.js';
import { UnarySpec } from './Unary.js';
import { WhereSpec } from './Where.js';

export * from './defs.js';
export * from './spec.js';

/** Every kernel's shape rule. */
export const KERNEL_SPECS: { readonly [K in KernelName]: KernelSpec<K> } = {
  Unary: UnarySpec,
  Binary: BinarySpec,
  Where: WhereSpec,
  Reduce: ReduceSpec,
  ArgReduce: ArgReduceSpec,
  Softmax: SoftmaxSpec,
  LogSoftmax: LogSoftmaxSpec,
  RmsNorm: RmsNormSpec,
  Rope: RopeSpec,
  MatMul: MatMulSpec,
  Gather: GatherSpec,
  ScatterAdd: ScatterAddSpec,
  PickLast: PickLastSpec,
  PutLast: PutLastSpec,
  Transpose: TransposeSpec,
  Slice: SliceSpec,
  Pad: PadSpec,
  Concat: ConcatSpec,
  Reshape: ReshapeSpec,
  Cast: CastSpec,
  Fill: FillSpec,
  TopK: TopKSpec,
  SwiGLU: SwiGLUSpec,
  SwiGLUGrad: SwiGLUGradSpec,
  RmsNormGrad: RmsNormGradSpec,
  SoftmaxGrad: SoftmaxGradSpec,
  SoftmaxNll: SoftmaxNllSpec,
  SoftmaxNllGrad: SoftmaxNllGradSpec,
  Attention: AttentionSpec,
  AttentionGrad: AttentionGradSpec,
  AdamStep: AdamStepSpec,
};
