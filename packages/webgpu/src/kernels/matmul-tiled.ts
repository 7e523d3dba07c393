/** The portable matmul: a 4×4 register tile per invocation, operands read through strides. */
import type { DType } from '@crossedit/core';
import { wgslScalar, widenF32 } from '../codegen.js';
import type { ProgramDesc } from '../program.js';
import { batchOffsets, matmulUniforms, type MatMulGeometry } from './matmul-geometry.js';

/** Output tile of one 8×8 workgroup. */
export const TILED_TILE = 32;

/**
 * The program (workgroup 8×8, a 32×32 output tile per workgroup, batch on z). `f16` operands (stored
 * weights) are widened element by element as they are loaded; accumulation is f32.
 */
export function matmulTiledProgram(g: MatMulGeometry, zBase: number, aType: DType = 'f32', bType: DType = 'f32'): ProgramDesc {
  const bc = batchOffsets(g);
  const body = (): string => {
    const L: string[] = [];
    for (let i = 0; i < 4; i++) L.push(`let am${i} = min(m0 + ${i}u, u.M - 1u) * u.sAm;`);
    for (let j = 0; j < 4; j++) L.push(`let bn${j} = min(n0 + ${j}u, u.N - 1u) * u.sBn;`);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) L.push(`var c${i}${j} = 0.0;`);
    const inner: string[] = [];
    for (let i = 0; i < 4; i++) inner.push(`let a${i} = ${widenF32(aType, `A[oa + am${i} + k * u.sAk]`)};`);
    for (let j = 0; j < 4; j++) inner.push(`let b${j} = ${widenF32(bType, `B[ob + bn${j} + k * u.sBk]`)};`);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) inner.push(`c${i}${j} = fma(a${i}, b${j}, c${i}${j});`);
    const stores: string[] = [];
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 4; j++) stores.push(`if (m0 + ${i}u < u.M && n0 + ${j}u < u.N) { C[oc + (m0 + ${i}u) * u.N + n0 + ${j}u] = c${i}${j}; }`);
    return `
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
  };
  return {
    name: 'MatMul(tiled)',
    key: `matmul-tiled|${bc.uniforms.length}|${aType}|${bType}`,
    bindings: [
      { name: 'A', elem: wgslScalar(aType), access: 'read' },
      { name: 'B', elem: wgslScalar(bType), access: 'read' },
      { name: 'C', elem: 'f32', access: 'read_write' },
    ],
    uniforms: [...matmulUniforms(g, zBase), ...bc.uniforms],
    body,
  };
}
