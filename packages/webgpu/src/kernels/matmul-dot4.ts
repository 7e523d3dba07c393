/**
 * The fast matmul (devices with subgroups): both operands are "k-major" — A as `[M, K]` rows and B as
 * `[N, K]` rows (i.e. `A Bᵀ`, the linear-layer layout), K a multiple of 4 — and read as vec4 along k.
 * A group of 8 lanes computes a 24 × 32 block (16 × 32 when M <= 16): each lane holds 24 rows × 4
 * columns of scalar accumulators; per 4 k-steps it loads 3 vec4 of A (rows l, l+8, l+16 of the
 * block) and 4 vec4 of B (its columns), and gets the other rows' A vectors from its neighbours with `subgroupShuffle`. Each
 * accumulator is updated once per 4 k-steps (a dot of two vec4), which on CPU adapters (lavapipe,
 * where every loop-carried update is a masked blend and every storage load a per-lane scalar load)
 * is what sets the speed: 28 loaded floats per 384 multiply-adds per lane (each loaded float costs
 * ~9 instructions per lane there: a bounds check and an insert).
 */
import type { DType } from '@crossedit/core';
import { widenF32 } from '../codegen.js';
import type { ProgramDesc } from '../program.js';
import { batchOffsets, matmulUniforms, type MatMulGeometry } from './matmul-geometry.js';

/** Rows per group of 8 lanes for small M (at most 16 rows: no clamped, wasted rows). */
export const DOT4_ROWS = 16;
/**
 * Rows per group of 8 lanes otherwise: 24 rows × 32 columns cut the per-lane loads per multiply-add
 * by a sixth against 16 × 32 and measured ~15 % more GFLOP per core-second on lavapipe (1024³);
 * 32 rows, 8 columns per lane or fewer rows were slower (register spills, or loads dominating).
 */
export const DOT4_ROWS_LARGE = 24;

/** Rows per group of 8 lanes for a product with M rows. */
export function dot4Rows(M: number): number {
  return M <= DOT4_ROWS ? DOT4_ROWS : DOT4_ROWS_LARGE;
}
/** Columns per lane. */
export const DOT4_COLS_PER_LANE = 4;
/** Columns per group of 8 lanes. */
export const DOT4_COLS = 8 * DOT4_COLS_PER_LANE;

/**
 * The program: workgroup 64 = 8 groups, `gn` of them side by side along N and `8/gn` along M; each
 * group computes `rows` (a multiple of 8, default {@link dot4Rows}) × {@link DOT4_COLS} outputs.
 * Requires `g.K % 4 == 0`, `g.sAk == 1`, `g.sBk == 1` (rows contiguous along k) and 16-byte aligned
 * batch blocks (true when K % 4 == 0). An `f16` operand (a stored weight read in place) is loaded as
 * `vec4<f16>` and widened to `vec4<f32>`; accumulation is f32.
 */
export function matmulDot4Program(g: MatMulGeometry, zBase: number, gn: number, rows: number = dot4Rows(g.M), aType: DType = 'f32', bType: DType = 'f32'): ProgramDesc {
  if (rows % 8 !== 0) throw new RangeError(`matmulDot4Program: rows per group must be a multiple of 8 (got ${rows})`);
  const RG = rows;
  const TN = DOT4_COLS_PER_LANE;
  const bc = batchOffsets(g);
  const body = (): string => {
    const L: string[] = [];
    for (let q = 0; q < RG / 8; q++) L.push(`let ar${q} = oa4 + min(r0 + ${q * 8}u + sl, u.M - 1u) * K4;`);
    for (let j = 0; j < TN; j++) L.push(`let bn${j} = ob4 + min(cb + ${j * 8}u, u.N - 1u) * K4;`);
    for (let i = 0; i < RG; i++) for (let j = 0; j < TN; j++) L.push(`var c${i}_${j} = 0.0;`);
    const inner: string[] = [];
    for (let q = 0; q < RG / 8; q++) inner.push(`let av${q} = ${widenF32(aType, `A4[ar${q} + k]`, true)};`);
    for (let j = 0; j < TN; j++) inner.push(`let b${j} = ${widenF32(bType, `B4[bn${j} + k]`, true)};`);
    for (let i = 0; i < RG; i++) {
      inner.push(`let a${i} = subgroupShuffle(av${i >> 3}, lb + ${i & 7}u);`);
      for (let j = 0; j < TN; j++) {
        inner.push(`c${i}_${j} = fma(a${i}.w, b${j}.w, fma(a${i}.z, b${j}.z, fma(a${i}.y, b${j}.y, fma(a${i}.x, b${j}.x, c${i}_${j}))));`);
      }
    }
    // the epilogue goes through a private array and one store site: 64 unrolled guarded stores (each a
    // per-lane loop on CPU adapters) would dominate compile time
    const keep: string[] = [];
    for (let i = 0; i < RG; i++) for (let j = 0; j < TN; j++) keep.push(`res[${i * TN + j}] = c${i}_${j};`);
    return `
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32, @builtin(subgroup_invocation_id) sgl: u32) {
  let bz = wid.z + u.zBase;
  ${bc.code}
  let K4 = u.K / 4u;
  let oa4 = oa / 4u;
  let ob4 = ob / 4u;
  let oc = bz * u.M * u.N;
  let sl = sgl & 7u;          // lane within the group of 8
  let lb = sgl & ~7u;         // the group's first lane in the subgroup
  let grp = li / 8u;
  let cb = (wid.x * ${gn}u + grp % ${gn}u) * ${8 * TN}u + sl;
  let r0 = (wid.y * ${8 / gn}u + grp / ${gn}u) * ${RG}u;
  ${L.join('\n  ')}
  for (var k = 0u; k < K4; k++) {
    ${inner.join('\n    ')}
  }
  var res: array<f32, ${RG * TN}>;
  ${keep.join('\n  ')}
  for (var t = 0u; t < ${RG * TN}u; t++) {
    let row = r0 + t / ${TN}u;
    let col = cb + (t % ${TN}u) * 8u;
    if (row < u.M && col < u.N) { C[oc + row * u.N + col] = res[t]; }
  }
}`;
  };
  return {
    name: 'MatMul(dot4)',
    key: `matmul-dot4|${bc.uniforms.length}|${gn}|${RG}|${aType}|${bType}`,
    enables: ['subgroups'],
    bindings: [
      { name: 'A4', elem: aType === 'f16' ? 'vec4<f16>' : 'vec4<f32>', access: 'read' },
      { name: 'B4', elem: bType === 'f16' ? 'vec4<f16>' : 'vec4<f32>', access: 'read' },
      { name: 'C', elem: 'f32', access: 'read_write' },
    ],
    uniforms: [...matmulUniforms(g, zBase), ...bc.uniforms],
    body,
  };
}

/** Groups side by side along N in a workgroup (the rest go along M). */
export function dot4GroupsAlongN(N: number): number {
  let gn = 1;
  while (gn < 8 && gn * DOT4_COLS < N) gn *= 2;
  return gn;
}
