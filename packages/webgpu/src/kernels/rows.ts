/**
 * Code generation for kernels that process independent rows (reductions over the last axis, softmax,
 * RMSNorm). Two strategies share one body template:
 * - `group`: one workgroup per row; invocations stride over the row and combine through a
 *   workgroup-memory tree (what a GPU wants for long rows);
 * - `thread`: one invocation per row, no barriers (what a CPU adapter such as lavapipe wants, and
 *   what many short rows want anywhere).
 * The body uses `ROW` (the row index), `LOOP(k)` (a loop header over the row's elements), and
 * `REDUCE(v, type, combine)` (combines `v` across the row's invocations; a no-op per thread).
 */
import { grid } from '../codegen.js';
import type { GpuContext } from '../context.js';

/** The chosen strategy and its workgroup size. */
export interface RowPlan {
  readonly kind: 'group' | 'thread';
  readonly wg: number;
  readonly workgroups: [number, number, number];
}

/** Picks a strategy for `rows` rows of `len` elements. */
export function planRows(ctx: GpuContext, rows: number, len: number): RowPlan {
  // On a CPU adapter a workgroup runs on one thread, 8 invocations per SIMD step: small workgroups
  // spread few rows over all cores. On a GPU, 64 keeps the occupancy reasonable.
  const threadWg = ctx.caps.software ? 8 : 64;
  const useThread = ctx.caps.software ? rows >= 16 : rows >= 4096 && len <= 64;
  if (useThread) return { kind: 'thread', wg: threadWg, workgroups: grid(Math.ceil(rows / threadWg), ctx.caps.maxWorkgroupsPerDim) };
  let wg = 32;
  while (wg < 256 && wg < len) wg *= 2;
  wg = Math.min(wg, ctx.caps.maxInvocations);
  return { kind: 'group', wg, workgroups: grid(rows, ctx.caps.maxWorkgroupsPerDim) };
}

/** A combine function: `(a, b) => WGSL expression`. */
export type Combine = (a: string, b: string) => string;

/**
 * Expands a row-kernel template into a full entry point. `len` is the WGSL expression of the row
 * length (usually `u.len`), `rows` of the row count.
 */
export function rowKernel(plan: RowPlan, template: (h: { LOOP: (k: string) => string; REDUCE: (v: string, type: string, combine: Combine) => string; LEADER: string }) => string): string {
  const shared: string[] = [];
  let nShared = 0;
  const isGroup = plan.kind === 'group';
  const LOOP = (k: string) => (isGroup ? `for (var ${k} = lid; ${k} < u.len; ${k} += ${plan.wg}u)` : `for (var ${k} = 0u; ${k} < u.len; ${k}++)`);
  const REDUCE = (v: string, type: string, combine: Combine) => {
    if (!isGroup) return '';
    const sh = `sh${nShared++}`;
    shared.push(`var<workgroup> ${sh}: array<${type}, ${plan.wg}>;`);
    return `${sh}[lid] = ${v};
  workgroupBarrier();
  for (var s = ${plan.wg / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) { ${sh}[lid] = ${combine(`${sh}[lid]`, `${sh}[lid + s]`)}; }
    workgroupBarrier();
  }
  ${v} = ${sh}[0];
  workgroupBarrier();`;
  };
  const LEADER = isGroup ? 'lid == 0u' : 'true';
  const body = template({ LOOP, REDUCE, LEADER });
  const head = isGroup
    ? `let row = wid.x + wid.y * nwg.x;\n  if (row >= u.rows) { return; }`
    : `let row = (wid.x + wid.y * nwg.x) * ${plan.wg}u + lid;\n  if (row >= u.rows) { return; }`;
  return `${shared.join('\n')}
@compute @workgroup_size(${plan.wg})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32, @builtin(num_workgroups) nwg: vec3<u32>) {
  ${head}
  ${body}
}`;
}
