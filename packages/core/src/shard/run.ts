/**
 * The engine's entry to sharded execution: which kernels run over row-sharded tensors, and how. Every
 * kernel call whose inputs include a sharded storage, or whose output passes the backend's binding
 * limit, comes here; kernels with no sharded form fail with the tensors, their sizes and the limit.
 */
import type { Backend, BackendTensor } from '../backend.js';
import { ShapeError } from '../errors.js';
import type { KernelName } from '../kernels/defs.js';
import type { TensorInfo } from '../kernels/spec.js';
import { fmtShape, normAxis } from '../shape.js';
import { runGather, runScatterAdd } from './gather.js';
import { runConcatRows, runPad, runReduceRows, runRope, runSlice, runTranspose } from './layout.js';
import { runMatMul } from './matmul.js';
import { runAttention } from './attention.js';
import { rowPlan, runRows } from './rows.js';
import { fmtBytes, isShardedStorage, logicalBytes, shardBytes } from './storage.js';

/** How a kernel runs over sharded tensors (see the core README); `batch`: per block of batch entries; `none`: it fails clearly. */
export type ShardForm = 'rows' | 'matmul' | 'gather' | 'scatter' | 'layout' | 'batch' | 'alias' | 'none';

/**
 * Every kernel's sharded form. A mapped type: a new kernel without an entry is a compile error, so
 * whoever adds one decides (and `rows` needs a plan in `rows.ts`, checked by the shard test).
 */
export const SHARD_FORMS: { readonly [K in KernelName]: ShardForm } = {
  Unary: 'rows',
  Binary: 'rows',
  Where: 'rows',
  Reduce: 'rows',
  ArgReduce: 'rows',
  Softmax: 'rows',
  LogSoftmax: 'rows',
  RmsNorm: 'rows',
  Rope: 'layout',
  MatMul: 'matmul',
  Gather: 'gather',
  ScatterAdd: 'scatter',
  PickLast: 'rows',
  PutLast: 'rows',
  Transpose: 'layout',
  Slice: 'layout',
  Pad: 'layout',
  Concat: 'layout',
  Reshape: 'alias',
  Cast: 'rows',
  Fill: 'rows',
  TopK: 'rows',
  SwiGLU: 'rows',
  SwiGLUGrad: 'rows',
  RmsNormGrad: 'rows',
  SoftmaxGrad: 'rows',
  SoftmaxNll: 'rows',
  SoftmaxNllGrad: 'rows',
  Attention: 'batch',
  AttentionGrad: 'batch',
  AdamStep: 'rows',
};

/** Whether a kernel call must take the sharded path. */
export function needsSharding(inputs: readonly BackendTensor[], outs: readonly TensorInfo[], limit: number): boolean {
  for (const t of inputs) if (isShardedStorage(t.storage)) return true;
  for (const o of outs) if (shardBytes(o.shape, o.dtype) > limit) return true;
  return false;
}

/** `f32[55296,4096] (864.0 MiB (905969664 bytes), 7 shards)`. */
export function describeOperand(t: TensorInfo & { storage?: unknown }, name?: string): string {
  const shards = isShardedStorage(t.storage) ? `, ${t.storage.shards.length} shards` : '';
  return `${t.dtype}${fmtShape(t.shape)}${name ? ` '${name}'` : ''} (${fmtBytes(logicalBytes(t.shape, t.dtype))}${shards})`;
}

/**
 * Runs `kernel` over sharded inputs or into outputs past `limit`; returns one storage per output
 * (a {@link ShardedStorage} where the output passes the limit). `what` names the call in errors.
 */
export function runSharded(be: Backend, kernel: KernelName, inputs: Record<string, BackendTensor | BackendTensor[]>, attrs: Record<string, unknown>, outs: readonly TensorInfo[], limit: number, what: string): unknown[] {
  const x = inputs.x as BackendTensor;
  switch (kernel) {
    case 'MatMul':
      return [runMatMul(be, inputs.a as BackendTensor, inputs.b as BackendTensor, attrs.transA as boolean, attrs.transB as boolean, outs[0], limit, what)];
    case 'Gather':
      return [runGather(be, inputs.table as BackendTensor, inputs.ids as BackendTensor, outs[0], limit, what)];
    case 'ScatterAdd':
      return [runScatterAdd(be, inputs.updates as BackendTensor, inputs.ids as BackendTensor, attrs.numRows as number, outs[0], limit, what)];
    case 'Slice':
      return [runSlice(be, x, attrs.begin as number[], attrs.size as number[], outs[0], limit, what)];
    case 'Rope':
      return [runRope(be, x, inputs.positions as BackendTensor, attrs as { base: number; inverse: boolean }, outs[0], limit, what)];
    case 'Pad':
      return [runPad(be, x, attrs.before as number[], attrs.after as number[], outs[0], limit, what)];
    case 'Transpose':
      return [runTranspose(be, x, attrs.perm as number[], outs[0], limit, what)];
    case 'Concat': {
      const xs = inputs.xs as BackendTensor[];
      if (normAxis(attrs.axis as number, xs[0].shape.length, what) === 0) return [runConcatRows(be, xs, outs[0], limit, what)];
      break;
    }
    case 'Attention':
    case 'AttentionGrad':
      return runAttention(be, kernel, inputs as Record<string, BackendTensor>, attrs as { scale: number; causal: boolean }, outs, limit, what);
    case 'Reduce':
      if (!rowPlan(kernel, inputs, attrs, outs)) return [runReduceRows(be, x, attrs.op as 'sum', attrs.axis as number, outs[0], limit, what)];
      break;
  }
  const plan = SHARD_FORMS[kernel] === 'none' ? null : rowPlan(kernel, inputs, attrs, outs);
  if (plan) return runRows(be, kernel, inputs, plan, outs, limit, what);
  throw new ShapeError(
    `${what}: passes the backend's binding limit (maxStorageBufferBindingSize ${fmtBytes(limit)}) and ${kernel} has no row-sharded form ` +
      `for these operands`,
  );
}
