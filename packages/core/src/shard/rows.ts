/**
 * Row-local kernels over sharded operands: kernels whose output rows depend only on the same rows of
 * their inputs (elementwise ops, the last-axis reductions and softmaxes, RMSNorm, Adam, top-k...) run
 * once per block of rows, each block below the binding limit, and the blocks become the output's shards.
 */
import type { Backend, BackendTensor } from '../backend.js';
import { ShapeError } from '../errors.js';
import type { KernelName } from '../kernels/defs.js';
import type { TensorInfo } from '../kernels/spec.js';
import { fmtShape, normAxis, sizeOf, type Shape } from '../shape.js';
import { assemble, blockRows, call, drop, rowsOf, view, type Block } from './blocks.js';
import { runGather } from './gather.js';
import { isShardedStorage, rowsPerBlock, rowView, shardBytes, uniformBlocks } from './storage.js';

/**
 * How an input of a row-local kernel maps to the rows: `[R, w]` rows, an `R`-vector, broadcast whole,
 * or `map`: broadcast along some leading axes (an attention mask `[B, 1, S, S]` against scores
 * `[B, H, S, S]`), its rows of a block gathered by index.
 */
type Mode = 'rows' | 'vec' | 'bcast' | 'map';

/** A kernel's row plan: the row count, each input's mode, and the attributes of a block of `rb` rows. */
interface RowPlan {
  rows: number;
  modes: Record<string, Mode | Mode[]>;
  attrs: (rb: number) => unknown;
}

const SAME_ROWS: Partial<Record<KernelName, readonly string[]>> = {
  Unary: ['x'],
  Cast: ['x'],
  Softmax: ['x'],
  LogSoftmax: ['x'],
  SoftmaxGrad: ['dy', 'y'],
  SwiGLU: ['gate', 'up'],
  SwiGLUGrad: ['dy', 'gate', 'up'],
  AdamStep: ['param', 'grad', 'm', 'v'],
  TopK: ['x'],
};

const lastAxis = (info: TensorInfo, axis: number, kernel: string) => normAxis(axis, info.shape.length, kernel) === info.shape.length - 1;

/** Mode of a broadcasting operand against the output shape (rows, broadcast whole, or unsupported). */
function broadcastMode(s: Shape, out: Shape, kernel: string): Mode {
  const padded = [...Array(Math.max(0, out.length - s.length)).fill(1), ...s];
  const lead = padded.slice(0, -1);
  const outLead = out.slice(0, -1);
  if (lead.every((d, i) => d === outLead[i])) return 'rows';
  if (lead.every((d) => d === 1)) return 'bcast';
  if (lead.every((d, i) => d === 1 || d === outLead[i])) return 'map';
  throw new ShapeError(`${kernel} over sharded tensors: operand ${fmtShape(s)} does not broadcast against ${fmtShape(out)}`);
}

/** The operand rows (of its `[Ro, w]` view) that output rows `[r0, r0 + n)` read under broadcasting. */
function mappedRows(s: Shape, out: Shape, r0: number, n: number): Int32Array {
  const lead = [...Array(Math.max(0, out.length - s.length)).fill(1), ...s].slice(0, -1);
  const outLead = out.slice(0, -1);
  const ids = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    let r = r0 + k;
    let lin = 0;
    let stride = 1;
    for (let i = outLead.length - 1; i >= 0; i--) {
      const c = r % outLead[i];
      r = Math.floor(r / outLead[i]);
      if (lead[i] !== 1) lin += c * stride;
      stride *= lead[i];
    }
    ids[k] = lin;
  }
  return ids;
}

/** The row plan of a kernel, or `null` when it is not row-local for these attributes. */
export function rowPlan(kernel: KernelName, inputs: Record<string, BackendTensor | BackendTensor[]>, attrs: Record<string, unknown>, outs: readonly TensorInfo[]): RowPlan | null {
  const same = SAME_ROWS[kernel];
  const rowsOfShape = (s: Shape) => rowView(s)[0];
  if (same) {
    const modes = Object.fromEntries(same.map((n) => [n, 'rows' as Mode]));
    return { rows: rowsOfShape((inputs[same[0]] as BackendTensor).shape), modes, attrs: () => attrs };
  }
  switch (kernel) {
    case 'RmsNorm':
      return { rows: rowsOfShape((inputs.x as BackendTensor).shape), modes: { x: 'rows', weight: 'bcast' }, attrs: () => attrs };
    case 'RmsNormGrad':
      return { rows: rowsOfShape((inputs.x as BackendTensor).shape), modes: { dy: 'rows', x: 'rows', weight: 'bcast' }, attrs: () => attrs };
    case 'Reduce':
    case 'ArgReduce': {
      const x = inputs.x as BackendTensor;
      if (!lastAxis(x, attrs.axis as number, kernel)) return null;
      return { rows: rowsOfShape(x.shape), modes: { x: 'rows' }, attrs: () => ({ ...attrs, axis: 1 }) };
    }
    case 'SoftmaxNll':
      return { rows: rowsOfShape((inputs.logits as BackendTensor).shape), modes: { logits: 'rows', targets: 'vec' }, attrs: () => attrs };
    case 'SoftmaxNllGrad':
      return { rows: rowsOfShape((inputs.logits as BackendTensor).shape), modes: { dy: 'vec', logits: 'rows', targets: 'vec' }, attrs: () => attrs };
    case 'PickLast':
      return { rows: rowsOfShape((inputs.x as BackendTensor).shape), modes: { x: 'rows', idx: 'vec' }, attrs: () => attrs };
    case 'PutLast':
      return { rows: sizeOf((inputs.values as BackendTensor).shape), modes: { values: 'vec', idx: 'vec' }, attrs: () => attrs };
    case 'Fill': {
      const [r, c] = rowView(outs[0].shape);
      return { rows: r, modes: {}, attrs: (rb) => ({ ...attrs, shape: [rb, c] }) };
    }
    case 'Binary':
    case 'Where': {
      const out = outs[0].shape;
      const modes = Object.fromEntries(Object.entries(inputs).map(([n, t]) => [n, broadcastMode((t as BackendTensor).shape, out, kernel)]));
      return { rows: rowsOfShape(out), modes, attrs: () => attrs };
    }
    case 'Concat': {
      const xs = inputs.xs as BackendTensor[];
      if (!lastAxis(xs[0], attrs.axis as number, kernel)) return null;
      return { rows: rowsOfShape(xs[0].shape), modes: { xs: xs.map(() => 'rows' as Mode) }, attrs: () => ({ ...attrs, axis: 1 }) };
    }
    default:
      return null;
  }
}

/** Runs a row-local kernel block by block; returns the outputs' storages (sharded where they pass `limit`). */
export function runRows(be: Backend, kernel: KernelName, inputs: Record<string, BackendTensor | BackendTensor[]>, plan: RowPlan, outs: readonly TensorInfo[], limit: number, what: string): unknown[] {
  const R = plan.rows;
  // the row width of every row-mode operand and output bounds the block size
  const widths: [number, TensorInfo][] = [];
  const entries: [string, BackendTensor, Mode][] = [];
  for (const [name, v] of Object.entries(inputs)) {
    const modes = plan.modes[name];
    const list = Array.isArray(v) ? v : [v];
    list.forEach((t, i) => {
      const m = Array.isArray(modes) ? modes[i] : modes;
      entries.push([name, t, m]);
      if (m === 'rows' || m === 'map') widths.push([rowView(t.shape)[1], t]);
      if (m === 'vec' && isShardedStorage(t.storage)) throw new ShapeError(`${what}: input '${name}' ${fmtShape(t.shape)} is sharded but is read as one value per row`);
    });
  }
  const outWidth = outs.map((o) => {
    const [r, c] = rowView(o.shape);
    if (R > 0 && r === R) return c;
    if (sizeOf(o.shape) === R) return 1;
    throw new ShapeError(`${what}: output ${fmtShape(o.shape)} does not have the input's ${R} rows`);
  });
  outs.forEach((o, i) => widths.push([outWidth[i], o]));
  const per = Math.min(...widths.map(([w, info]) => rowsPerBlock(w, info.dtype, limit, what)));
  // follow the first sharded operand's blocks (no copies when shards line up), split further if needed
  const sharded = entries.find(([, t, m]) => m === 'rows' && isShardedStorage(t.storage));
  const base: [number, number][] = sharded ? blockRows(sharded[1], limit, what) : [[0, R]];
  const blocks = base.flatMap(([s, e]) => uniformBlocks(e - s, per).map(([a, k]): [number, number] => [s + a, k]));
  const outBlocks: Block[][] = outs.map(() => []);
  try {
    for (const [r0, rb] of blocks) {
      const held: Block[] = [];
      try {
        const take = (t: BackendTensor, m: Mode): BackendTensor => {
          if (m === 'bcast') return t;
          if (m === 'map') {
            const ids = mappedRows(t.shape, outs[0].shape, r0, rb);
            const idsT: BackendTensor = { storage: be.upload(ids, [rb], 'i32'), shape: [rb], dtype: 'i32' };
            held.push({ t: idsT, owned: true });
            const w = rowView(t.shape)[1];
            const g: BackendTensor = { storage: runGather(be, view(t, rowView(t.shape)), idsT, { shape: [rb, w], dtype: t.dtype }, limit, what), shape: [rb, w], dtype: t.dtype };
            held.push({ t: g, owned: true });
            return g;
          }
          if (m === 'vec') {
            const b = rowsOf(be, view(t, [R, 1]), r0, r0 + rb);
            held.push(b);
            return view(b.t, [rb]);
          }
          const b = rowsOf(be, t, r0, r0 + rb);
          held.push(b);
          return b.t;
        };
        const blockInputs: Record<string, BackendTensor | BackendTensor[]> = {};
        for (const [name, v] of Object.entries(inputs)) {
          const modes = plan.modes[name];
          blockInputs[name] = Array.isArray(v) ? v.map((t, i) => take(t, (modes as Mode[])[i])) : take(v, modes as Mode);
        }
        const res = call(be, kernel, blockInputs as never, plan.attrs(rb) as never);
        res.forEach((t, i) => outBlocks[i].push({ t, owned: true }));
      } finally {
        for (const b of held) drop(be, b);
      }
    }
    const starts = blocks.map(([s]) => s);
    return outs.map((o, i) => {
      if (outWidth[i] === 1 && rowView(o.shape)[0] !== R && shardBytes(o.shape, o.dtype) > limit) {
        throw new ShapeError(`${what}: output ${o.dtype}${fmtShape(o.shape)} passes the binding limit and cannot be split by rows`);
      }
      const st = assemble(be, outBlocks[i], starts, o.shape, o.dtype, limit);
      outBlocks[i] = [];
      return st;
    });
  } finally {
    for (const list of outBlocks) for (const b of list) drop(be, b);
  }
}
