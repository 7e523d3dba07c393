/**
 * Fused attention over sharded operands: batch entries and key/value heads are independent, so the
 * kernel (or its VJP) runs once per block of batch entries (or of key/value heads of one entry, with
 * their query heads), each operand's block below the binding limit (a bias shared by the batch is read
 * whole), and the blocks become the outputs' shards.
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
  // the unit of work is one (batch entry, key/value head) with its query heads; a block is whole batch
  // entries, or key/value heads of one entry when an entry alone passes the limit. 4 bytes per element.
  const Hkv = inputs.k.shape[1];
  const units = B * Hkv;
  const unitBytes = (s: readonly number[], perHead: boolean) => (4 * sizeOf(s)) / (perHead ? units : Math.max(1, B));
  const headed = [...batched.filter(([n]) => n !== 'bias').map(([, t]) => t.shape), ...outs.map((o) => o.shape)];
  const biasEntry = batched.some(([n]) => n === 'bias') ? unitBytes(inputs.bias.shape, false) : 0;
  const entryBytes = Math.max(biasEntry, ...headed.map((s) => Hkv * unitBytes(s, true)));
  const perEntry = Math.floor(limit / entryBytes);
  const headBytes = Math.max(...headed.map((s) => unitBytes(s, true)));
  if (perEntry < 1 && (biasEntry > limit || headBytes > limit)) {
    throw new ShapeError(`${what}: one key/value head of one batch entry (${fmtBytes(Math.max(biasEntry, headBytes))}) passes the binding limit of ${fmtBytes(limit)}`);
  }
  // [first batch entry, entries, first key/value head, heads]
  const blocks: [number, number, number, number][] =
    perEntry >= 1
      ? uniformBlocks(B, perEntry).map(([b0, nb]) => [b0, nb, 0, Hkv])
      : Array.from({ length: B }, (_, b) => uniformBlocks(Hkv, Math.floor(limit / headBytes)).map(([g0, ng]): [number, number, number, number] => [b, 1, g0, ng])).flat();
  const outBlocks: Block[][] = outs.map(() => []);
  try {
    for (const [b0, nb, g0, ng] of blocks) {
      const held: Block[] = [];
      try {
        const u0 = b0 * Hkv + g0;
        const n = nb * ng;
        const blockInputs: Record<string, BackendTensor> = {};
        for (const [name, t] of Object.entries(inputs)) {
          if (!perBatch(t)) {
            blockInputs[name] = t;
            continue;
          }
          let blk: Block;
          let shape: number[];
          if (name === 'bias') {
            blk = rowsOf(be, view(t, [B, sizeOf(t.shape) / B]), b0, b0 + nb);
            shape = [nb, ...t.shape.slice(1)];
          } else {
            // q, dy: H heads; k, v: Hkv heads; f heads per unit
            const f = t.shape[1] / Hkv;
            blk = rowsOf(be, view(t, [units * f, sizeOf(t.shape) / (units * f)]), u0 * f, (u0 + n) * f);
            shape = [nb, ng * f, ...t.shape.slice(2)];
          }
          held.push(blk);
          blockInputs[name] = view(blk.t, shape);
        }
        const res = call(be, kernel, blockInputs as never, attrs as never);
        res.forEach((t, i) => outBlocks[i].push({ t, owned: true }));
      } finally {
        for (const b of held) drop(be, b);
      }
    }
    return outs.map((o, i) => {
      const width = o.shape[o.shape.length - 1];
      const rowsPerUnit = width === 0 ? 0 : sizeOf(o.shape) / units / width;
      const st = assemble(be, outBlocks[i], blocks.map(([b0, , g0]) => (b0 * Hkv + g0) * rowsPerUnit), o.shape, o.dtype, limit);
      outBlocks[i] = [];
      return st;
    });
  } finally {
    for (const list of outBlocks) for (const b of list) drop(be, b);
  }
}
