/**
 * Copies a matmul operand into the k-major layout the dot4 kernel reads: `[batch, rows, K4]` with
 * `K4 = K` rounded up to a multiple of 4 and zeros in the padding. Element (r, k) of batch block b is
 * read at `b·batchStride + r·sR + k·sK` — so the same program transposes (A of `transA`, B without
 * `transB`) and pads. An `f16` source (a stored weight) is widened: the packed copy is always f32.
 */
import { sizeOf, type DType, type TensorInfo } from '@crossedit/core';
import { ELEMENTWISE_WG, linearIndex, LINEAR_PARAMS, wgslScalar, widenF32 } from '../codegen.js';
import type { GpuContext } from '../context.js';
import type { GpuStorage } from '../storage.js';
import { uniform } from '../uniforms.js';
import { grid1d } from './common.js';

/** Packs `batches` blocks of `rows × K` (strides sR, sK; blocks `batchStride` apart) into a new storage. */
export function packKMajor(
  ctx: GpuContext,
  src: GpuStorage,
  batches: number,
  batchStride: number,
  rows: number,
  K: number,
  sR: number,
  sK: number,
  srcType: DType = 'f32',
): GpuStorage {
  const K4 = Math.ceil(K / 4) * 4;
  const out: TensorInfo = { shape: [batches, rows, K4], dtype: 'f32' };
  const y = ctx.alloc(out);
  if (sizeOf(out.shape) === 0) return y;
  // one invocation per 4 rows x 4 k: 16 loads, 4 vec4 stores. Consecutive invocations walk the source's
  // contiguous dimension (rows when sR == 1, i.e. a transposed read), so neither side strides a whole
  // row per invocation (a plain per-element transpose was ~10x slower on lavapipe, cache/TLB bound)
  const rb = Math.ceil(rows / 4);
  const kb = K4 / 4;
  const n = batches * rb * kb;
  const rowsFast = sR === 1 && sK !== 1;
  const split = rowsFast
    ? `let r0 = (i % u.rb) * 4u; let t = i / u.rb; let k0 = (t % u.kb) * 4u; let b = t / u.kb;`
    : `let k0 = (i % u.kb) * 4u; let t = i / u.kb; let r0 = (t % u.rb) * 4u; let b = t / u.rb;`;
  const body = (): string => {
    const rowsCode: string[] = [];
    for (let q = 0; q < 4; q++) {
      // past K the load is out of the block (WebGPU bounds it) and the select writes the zero padding
      const ld = (j: number) => `select(0.0, ${widenF32(srcType, `X[base + ${j}u * u.sK]`)}, k0 + ${j}u < u.K)`;
      rowsCode.push(
        `if (r0 + ${q}u < u.rows) { let base = b * u.bs + (r0 + ${q}u) * u.sR + k0 * u.sK; ` +
          `Y4[((b * u.rows + r0 + ${q}u) * u.K4 + k0) / 4u] = vec4<f32>(${[0, 1, 2, 3].map(ld).join(', ')}); }`,
      );
    }
    return `
@compute @workgroup_size(${ELEMENTWISE_WG})
fn main(${LINEAR_PARAMS}) {
  ${linearIndex(ELEMENTWISE_WG)}
  if (i >= u.n) { return; }
  ${split}
  ${rowsCode.join('\n  ')}
}`;
  };
  ctx.dispatch(
    {
      name: 'MatMul(pack)',
      key: `matmul-pack|${rowsFast}|${srcType}`,
      bindings: [
        { name: 'X', elem: wgslScalar(srcType), access: 'read' },
        { name: 'Y4', elem: 'vec4<f32>', access: 'read_write' },
      ],
      uniforms: [
        uniform.u32('n', n),
        uniform.u32('K4', K4),
        uniform.u32('K', K),
        uniform.u32('rows', rows),
        uniform.u32('rb', rb),
        uniform.u32('kb', kb),
        uniform.u32('bs', batchStride),
        uniform.u32('sR', sR),
        uniform.u32('sK', sK),
      ],
      body,
    },
    [src, y],
    grid1d(ctx, n),
  );
  return y;
}
