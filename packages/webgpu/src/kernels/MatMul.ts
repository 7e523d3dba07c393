/**
 * Batched matmul with transposes and broadcast batch dimensions. Both operands are read through
 * strides held in uniforms — A(m, k) at `m·sAm + k·sAk`, B(k, n) at `n·sBn + k·sBk` — so the four
 * transpose combinations share one shader. Two programs:
 * - `matmulSubgroupProgram` (when the device has subgroups): a group of 8 lanes computes a 16 × 128
 *   block; each lane owns four vec4 column groups (16 columns) and all 16 rows. The 16 A values of a
 *   k-step are loaded once per group (two per lane) and passed around with `subgroupShuffle`, so a
 *   lane loads 2 + 16 values per 256 multiply-adds. This matters most on CPU adapters (lavapipe), where
 *   every storage load is a per-lane scalar load and register tiles are what keeps the SIMD units busy.
 *   With `N % 4 == 0` and B not transposed, B is read as vec4.
 * - `matmulTiledProgram`: the portable fallback, a 4 × 4 register tile per invocation.
 */
import { broadcastShapes, broadcastStrides, sizeOf } from '@crossedit/core';
import { collapseDims, offsetsCode } from '../codegen.js';
import type { GpuContext } from '../context.js';
import type { ProgramDesc } from '../program.js';
import { uniform, type UniformField } from '../uniforms.js';
import type { GpuKernel } from './types.js';

/** Rows per subgroup block. */
const RG = 16;
/** vec4 column groups per lane. */
const TN4 = 4;
/** Columns per subgroup block. */
const COLS = 8 * TN4 * 4;

/** Shapes and strides of one matmul call. */
export interface MatMulGeometry {
  M: number;
  N: number;
  K: number;
  sAm: number;
  sAk: number;
  sBn: number;
  sBk: number;
  batch: number[];
  aBatchStrides: number[];
  bBatchStrides: number[];
}

/** Works out M, N, K, operand strides and per-batch offsets. */
export function matmulGeometry(aShape: readonly number[], bShape: readonly number[], transA: boolean, transB: boolean): MatMulGeometry {
  const ra = aShape.length;
  const rb = bShape.length;
  const M = transA ? aShape[ra - 1] : aShape[ra - 2];
  const K = transA ? aShape[ra - 2] : aShape[ra - 1];
  const N = transB ? bShape[rb - 2] : bShape[rb - 1];
  const aBatch = aShape.slice(0, -2);
  const bBatch = bShape.slice(0, -2);
  const batch = broadcastShapes(aBatch, bBatch) ?? [];
  return {
    M,
    N,
    K,
    sAm: transA ? 1 : K,
    sAk: transA ? M : 1,
    sBn: transB ? K : 1,
    sBk: transB ? 1 : N,
    batch,
    aBatchStrides: broadcastStrides(aBatch, batch).map((s) => s * M * K),
    bBatchStrides: broadcastStrides(bBatch, batch).map((s) => s * K * N),
  };
}

function batchCode(g: MatMulGeometry): { code: string; uniforms: UniformField[] } {
  const c = collapseDims(g.batch, [g.aBatchStrides, g.bBatchStrides]);
  return offsetsCode('bz', c.shape, c.strides, ['oa', 'ob'], 'z');
}

function commonUniforms(g: MatMulGeometry, zBase: number): UniformField[] {
  return [
    uniform.u32('M', g.M),
    uniform.u32('N', g.N),
    uniform.u32('K', g.K),
    uniform.u32('sAm', g.sAm),
    uniform.u32('sAk', g.sAk),
    uniform.u32('sBn', g.sBn),
    uniform.u32('sBk', g.sBk),
    uniform.u32('zBase', zBase),
  ];
}

/** The portable 4×4-register-tile program (workgroup 8×8, a 32×32 output tile per workgroup). */
export function matmulTiledProgram(g: MatMulGeometry, zBase: number): ProgramDesc {
  const bc = batchCode(g);
  const L: string[] = [];
  for (let i = 0; i < 4; i++) L.push(`let am${i} = min(m0 + ${i}u, u.M - 1u) * u.sAm;`);
  for (let j = 0; j < 4; j++) L.push(`let bn${j} = min(n0 + ${j}u, u.N - 1u) * u.sBn;`);
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) L.push(`var c${i}${j} = 0.0;`);
  const inner: string[] = [];
  for (let i = 0; i < 4; i++) inner.push(`let a${i} = A[oa + am${i} + k * u.sAk];`);
  for (let j = 0; j < 4; j++) inner.push(`let b${j} = B[ob + bn${j} + k * u.sBk];`);
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) inner.push(`c${i}${j} = fma(a${i}, b${j}, c${i}${j});`);
  const stores: string[] = [];
  for (let i = 0; i < 4; i++)
    for (let j = 0; j < 4; j++) stores.push(`if (m0 + ${i}u < u.M && n0 + ${j}u < u.N) { C[oc + (m0 + ${i}u) * u.N + n0 + ${j}u] = c${i}${j}; }`);
  const body = `
@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let bz = wid.z + u.zBase;
  ${bc.code}
  let oc = bz * u.M * u.N;
  let m0 = (wid.y * 8u + lid.y) * 4u;
  let n0 = (wid.x * 8u + lid.x) * 4u;
  if (m0 >= u.M || n0 >= u.N) { return; }
  ${L.join('\n  ')}
  for (var k = 0u; k < u.K; k++) {
    ${inner.join('\n    ')}
  }
  ${stores.join('\n  ')}
}`;
  return {
    name: 'MatMul(tiled)',
    bindings: [
      { name: 'A', elem: 'f32', access: 'read' },
      { name: 'B', elem: 'f32', access: 'read' },
      { name: 'C', elem: 'f32', access: 'read_write' },
    ],
    uniforms: [...commonUniforms(g, zBase), ...bc.uniforms],
    body,
  };
}

/** Column-block groups per workgroup along N (the other 8/GN groups go along M). */
export function groupsAlongN(N: number, software: boolean): number {
  if (!software) return 1;
  let gn = 1;
  while (gn < 8 && gn * COLS < N) gn *= 2;
  return gn;
}

/**
 * The subgroup program (workgroup 64 = 8 groups of 8 lanes). `vec4B` reads B as vec4 rows (B not
 * transposed, N % 4 == 0, batch offsets multiples of 4) and writes C as vec4.
 */
export function matmulSubgroupProgram(g: MatMulGeometry, zBase: number, gn: number, vec4B: boolean): ProgramDesc {
  const bc = batchCode(g);
  const L: string[] = [];
  for (let q = 0; q < RG / 8; q++) L.push(`let ar${q} = oa + min(r0 + ${q * 8}u + sl, u.M - 1u) * u.sAm;`);
  if (vec4B) for (let j = 0; j < TN4; j++) L.push(`let bc${j} = ob4 + min(c4 + ${j * 8}u, N4 - 1u);`);
  else for (let j = 0; j < TN4; j++) for (let t = 0; t < 4; t++) L.push(`let bc${j}_${t} = ob + min((c4 + ${j * 8}u) * 4u + ${t}u, u.N - 1u) * u.sBn;`);
  for (let i = 0; i < RG; i++) for (let j = 0; j < TN4; j++) L.push(`var acc${i}_${j} = vec4<f32>(0.0);`);
  const inner: string[] = [];
  for (let q = 0; q < RG / 8; q++) inner.push(`let av${q} = A[ar${q} + k * u.sAk];`);
  if (vec4B) for (let j = 0; j < TN4; j++) inner.push(`let b${j} = B4[bc${j} + k * N4];`);
  else {
    inner.push('let kb = k * u.sBk;');
    for (let j = 0; j < TN4; j++) inner.push(`let b${j} = vec4<f32>(B[bc${j}_0 + kb], B[bc${j}_1 + kb], B[bc${j}_2 + kb], B[bc${j}_3 + kb]);`);
  }
  for (let i = 0; i < RG; i++) {
    inner.push(`let a${i} = vec4<f32>(subgroupShuffle(av${i >> 3}, lb + ${i & 7}u));`);
    for (let j = 0; j < TN4; j++) inner.push(`acc${i}_${j} = fma(a${i}, b${j}, acc${i}_${j});`);
  }
  // The epilogue goes through a private array and one store site in a loop: unrolled, the 64
  // guarded stores (each a per-lane loop on CPU adapters) dominate compile time.
  const keep: string[] = [];
  for (let i = 0; i < RG; i++) for (let j = 0; j < TN4; j++) keep.push(`res[${i * TN4 + j}] = acc${i}_${j};`);
  const store = vec4B
    ? `if (row < u.M && cc < N4) { C4[oc4 + row * N4 + cc] = res[t]; }`
    : `for (var e = 0u; e < 4u; e++) { let col = cc * 4u + e; if (row < u.M && col < u.N) { C[oc + row * u.N + col] = res[t][e]; } }`;
  const stores = [
    `var res: array<vec4<f32>, ${RG * TN4}>;`,
    ...keep,
    `for (var t = 0u; t < ${RG * TN4}u; t++) {`,
    `    let row = r0 + t / ${TN4}u;`,
    `    let cc = c4 + (t % ${TN4}u) * 8u;`,
    `    ${store}`,
    `  }`,
  ];
  const body = `
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32, @builtin(subgroup_invocation_id) sgl: u32) {
  let bz = wid.z + u.zBase;
  ${bc.code}
  let N4 = (u.N + 3u) / 4u;
  let oc = bz * u.M * u.N;
  ${vec4B ? 'let ob4 = ob / 4u; let oc4 = oc / 4u;' : ''}
  let sl = sgl & 7u;          // lane within the group of 8
  let lb = sgl & ~7u;         // the group's first lane in the subgroup
  let grp = li / 8u;
  let gn = grp % ${gn}u;
  let gm = grp / ${gn}u;
  let c4 = (wid.x * ${gn}u + gn) * ${8 * TN4}u + sl;
  let r0 = (wid.y * ${8 / gn}u + gm) * ${RG}u;
  ${L.join('\n  ')}
  for (var k = 0u; k < u.K; k++) {
    ${inner.join('\n    ')}
  }
  ${stores.join('\n  ')}
}`;
  return {
    name: `MatMul(subgroup${vec4B ? ',vec4' : ''})`,
    enables: ['subgroups'],
    bindings: vec4B
      ? [
          { name: 'A', elem: 'f32', access: 'read' },
          { name: 'B4', elem: 'vec4<f32>', access: 'read' },
          { name: 'C4', elem: 'vec4<f32>', access: 'read_write' },
        ]
      : [
          { name: 'A', elem: 'f32', access: 'read' },
          { name: 'B', elem: 'f32', access: 'read' },
          { name: 'C', elem: 'f32', access: 'read_write' },
        ],
    uniforms: [...commonUniforms(g, zBase), ...bc.uniforms],
    body,
  };
}

/** M·N·K below which the tiled kernel is used even when subgroups exist. */
export const SUBGROUP_MIN_WORK = 1 << 20;

/** Which program a call uses (exported for tests and benchmarks). */
export function chooseMatMul(ctx: GpuContext, g: MatMulGeometry, transB: boolean): 'tiled' | 'subgroup' | 'subgroup-vec4' {
  const subgroupsOk = ctx.caps.subgroups && ctx.caps.subgroupMinSize >= 8;
  // small products: the tiled kernel is as fast and its shader compiles several times faster
  if (!subgroupsOk || g.M * g.N * g.K < SUBGROUP_MIN_WORK) return 'tiled';
  return !transB && g.N % 4 === 0 ? 'subgroup-vec4' : 'subgroup';
}

/** C = op(A) op(B). */
export const MatMul: GpuKernel<'MatMul'> = (ctx, { a, b }, { transA, transB }, [out]) => {
  const c = ctx.alloc(out);
  const g = matmulGeometry(a.shape, b.shape, transA, transB);
  const nb = sizeOf(g.batch);
  if (sizeOf(out.shape) === 0) return [c];
  // with an empty inner dimension the tiled kernel's loop does not run and it writes zeros
  const kind = g.K === 0 ? 'tiled' : chooseMatMul(ctx, g, transB);
  const maxZ = ctx.caps.maxWorkgroupsPerDim;
  for (let z0 = 0; z0 < nb; z0 += maxZ) {
    const nz = Math.min(maxZ, nb - z0);
    if (kind === 'tiled') {
      ctx.dispatch(matmulTiledProgram(g, z0), [a.storage, b.storage, c], [Math.ceil(g.N / 32), Math.ceil(g.M / 32), nz]);
    } else {
      const gn = groupsAlongN(g.N, ctx.caps.software);
      const desc = matmulSubgroupProgram(g, z0, gn, kind === 'subgroup-vec4');
      ctx.dispatch(desc, [a.storage, b.storage, c], [Math.ceil(g.N / (gn * COLS)), Math.ceil(g.M / ((8 / gn) * RG)), nz]);
    }
  }
  return [c];
};
