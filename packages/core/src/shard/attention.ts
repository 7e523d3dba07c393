/**
 * Fused attention over sharded operands: the batch entries are independent, so the kernel (or its VJP)
 * runs once per block of batch entries, each operand's block below the binding limit (a bias shared by
 * the batch is read whole), and the blocks become the outputs' shards.
 */
import type { Backend, BackendTensor } from '../backend.js';
import { ShapeError } from '../errors.js';
import type { TensorInfo } from '../kernels/spec.js';
import { fmtShape, sizeOf } from '../shape.js';
import { assemble, call, drop, rowsOf, view, type Block } from './blocks.js';
import { fmtBytes, isShardedStorage, uniformBlocks } from './storage.js';

/** Runs `Attention` / `AttentionGrad` per block of batch entries; returns one storage per output. */
export function runAttention(
  be: Backend,
  kernel: 'Attention' | 'AttentionGrad',
  inputs: Record<string, BackendTensor>,
  attrs: { scale: number; causal: boolean },
  outs: readonly TensorInfo[],
  limit: number,
  what: string,
): unknown[] {
  const B = inputs.q.shape[0];
  const perBatch = (t: { shape: readonly number[] }) => t.shape[0] === B && B > 0;
  const batched = Object.entries(inputs).filter(([, t]) => perBatch(t));
  for (const [name, t] of Object.entries(inputs)) {
    if (!perBatch(t) && isShardedStorage(t.storage)) throw new ShapeError(`${what}: input '${name}' ${fmtShape(t.shape)} is shared by the batch but sharded (it must fit the binding limit whole)`);
  }
  // 4 bytes per element (f32); the widest batch entry of any operand or output bounds the block
  const entryBytes = Math.max(...[...batched.map(([, t]) => t.shape), ...outs.map((o) => o.shape)].map((s) => (4 * sizeOf(s)) / Math.max(1, s[0])));
  const per = Math.floor(limit / entryBytes);
  if (per < 1) throw new ShapeError(`${what}: one batch entry (${fmtBytes(entryBytes)}) passes the binding limit of ${fmtBytes(limit)}`);
  const blocks = uniformBlocks(B, per);
  const outBlocks: Block[][] = outs.map(() => []);
  try {
    for (const [b0, nb] of blocks) {
      const held: Block[] = [];
      try {
        const blockInputs: Record<string, BackendTensor> = {};
        for (const [name, t] of Object.entries(inputs)) {
          if (!perBatch(t)) {
            blockInputs[name] = t;
            continue;
          }
          const rest = sizeOf(t.shape) / B;
          const blk = rowsOf(be, view(t, [B, rest]), b0, b0 + nb);
          held.push(blk);
          blockInputs[name] = view(blk.t, [nb, ...t.shape.slice(1)]);
        }
        const res = call(be, kernel, blockInputs as never, attrs as never);
        res.forEach((t, i) => outBlocks[i].push({ t, owned: true }));
      } finally {
        for (const b of held) drop(be, b);
      }
    }
    return outs.map((o, i) => {
      const width = o.shape[o.shape.length - 1];
      const rowsPerEntry = width === 0 ? 0 : sizeOf(o.shape) / B / width;
      const st = assemble(be, outBlocks[i], blocks.map(([s]) => s * rowsPerEntry), o.shape, o.dtype, limit);
      outBlocks[i] = [];
      return st;
    });
  } finally {
    for (const list of outBlocks) for (const b of list) drop(be, b);
  }
}
