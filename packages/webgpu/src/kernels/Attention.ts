/**
 * Fused scaled-dot-product attention and its VJP: one invocation per query row walks the visible keys
 * twice (max, then `exp` weights with the `·V` sum in registers), so the scores never reach memory. The
 * VJP is two programs: per query row the softmax statistics (max, 1/sum, `sum(dp * p)`) and `dq`, then
 * per key row `dk` and `dv`, summed over the query rows (of every query head of the key/value head)
 * that see it. The head size sizes the register arrays (part of the program key); the loops over it
 * run to a uniform, so a software adapter does not unroll them (its compile time stays short).
 */
import { LINEAR_PARAMS, linearIndex } from '../codegen.js';
import { uniform, type UniformField } from '../uniforms.js';
import { SPECIAL_VALUES, grid1d } from './common.js';
import type { GpuKernel, GpuTensor } from './types.js';

const WG = 64;

function dims(q: GpuTensor, k: GpuTensor, bias: GpuTensor) {
  const [B, H, S, Dh] = q.shape;
  const [, Hkv, T] = k.shape;
  return { B, H, S, Dh, Hkv, T, biasShared: bias.shape[0] === 1 };
}

function uniforms(d: ReturnType<typeof dims>, rows: number, scale: number, causal: boolean): UniformField[] {
  return [
    uniform.u32('rows', rows),
    uniform.u32('S', d.S),
    uniform.u32('H', d.H),
    uniform.u32('Hkv', d.Hkv),
    uniform.u32('G', d.H / d.Hkv),
    uniform.u32('T', d.T),
    uniform.u32('biasShared', d.biasShared ? 1 : 0),
    uniform.u32('causal', causal ? 1 : 0),
    uniform.f32('scale', scale),
    uniform.u32('dh', d.Dh),
  ];
}

/** WGSL helpers: the visible keys of query row `i`, and the scaled, biased score of (query row, key row). */
function helpers(dh: number): string {
  return `${SPECIAL_VALUES}
const DH: u32 = ${dh}u;
fn visible(i: u32) -> u32 {
  if (u.causal == 0u) { return u.T; }
  let lim = i32(i) + i32(u.T) - i32(u.S) + 1;
  return u32(clamp(lim, 0, i32(u.T)));
}
fn biasRow(b: u32, i: u32) -> u32 { return (select(b, 0u, u.biasShared == 1u) * u.S + i) * u.T; }
fn score(qb: u32, kr: u32, bb: u32) -> f32 {
  var s = 0.0;
  for (var d = 0u; d < u.dh; d++) { s += Q[qb + d] * K[kr + d]; }
  return s * u.scale + BIAS[bb];
}`;
}

/**
 * The start of a per-query-row shader: the row index `r` (returning past the last row), its position `i`,
 * head `h` and batch entry `b`, the offsets of its key block `kb`, query `qb` and bias row `bb`, the number
 * of visible keys `lim` and the row's score maximum `m`.
 */
function queryRowPrologue(): string {
  return `  ${linearIndex(WG, 'r')}
  if (r >= u.rows) { return; }
  let i = r % u.S;
  let h = (r / u.S) % u.H;
  let b = r / (u.S * u.H);
  let kb = (b * u.Hkv + h / u.G) * u.T * DH;
  let qb = r * DH;
  let bb = biasRow(b, i);
  let lim = visible(i);
  var m = -f32_inf();
  for (var j = 0u; j < lim; j++) { m = max(m, score(qb, kb + j * DH, bb + j)); }`;
}

/** y = softmax(q·kᵀ * scale + bias)·v per query row. */
export const Attention: GpuKernel<'Attention'> = (ctx, { q, k, v, bias }, { scale, causal }, [out]) => {
  const y = ctx.alloc(out);
  const d = dims(q, k, bias);
  const rows = d.B * d.H * d.S;
  if (rows === 0 || d.Dh === 0) return [y];
  const body = () => `${helpers(d.Dh)}
@compute @workgroup_size(${WG})
fn main(${LINEAR_PARAMS}) {
${queryRowPrologue()}
  var acc: array<f32, ${d.Dh}>;
  for (var x = 0u; x < u.dh; x++) { acc[x] = 0.0; }
  var sum = 0.0;
  for (var j = 0u; j < lim; j++) {
    let e = exp(score(qb, kb + j * DH, bb + j) - m);
    sum += e;
    let vr = kb + j * DH;
    for (var x = 0u; x < u.dh; x++) { acc[x] += e * V[vr + x]; }
  }
  let inv = select(0.0, 1.0 / sum, lim > 0u);
  for (var x = 0u; x < u.dh; x++) { Y[qb + x] = acc[x] * inv; }
}`;
  ctx.dispatch(
    {
      name: 'Attention',
      key: `attention|${d.Dh}`,
      bindings: [
        { name: 'Q', elem: 'f32', access: 'read' },
        { name: 'K', elem: 'f32', access: 'read' },
        { name: 'V', elem: 'f32', access: 'read' },
        { name: 'BIAS', elem: 'f32', access: 'read' },
        { name: 'Y', elem: 'f32', access: 'read_write' },
      ],
      uniforms: uniforms(d, rows, scale, causal),
      body,
    },
    [q.storage, k.storage, v.storage, bias.storage, y],
    grid1d(ctx, rows, WG),
  );
  return [y];
};

/** [dq, dk, dv]: per query row the statistics and dq, then per key row dk and dv. */
export const AttentionGrad: GpuKernel<'AttentionGrad'> = (ctx, { dy, q, k, v, bias }, { scale, causal }, [oq, ok, ov]) => {
  const dq = ctx.alloc(oq);
  const dk = ctx.alloc(ok);
  const dv = ctx.alloc(ov);
  const d = dims(q, k, bias);
  const rows = d.B * d.H * d.S;
  const keyRows = d.B * d.Hkv * d.T;
  if (d.Dh === 0 || (rows === 0 && keyRows === 0)) return [dq, dk, dv];
  // per query row: max, 1/sum and c = sum_j dp_j p_j
  const stats = ctx.alloc({ shape: [Math.max(1, rows * 3)], dtype: 'f32' });
  const bindings = [
    { name: 'DY', elem: 'f32', access: 'read' },
    { name: 'Q', elem: 'f32', access: 'read' },
    { name: 'K', elem: 'f32', access: 'read' },
    { name: 'V', elem: 'f32', access: 'read' },
    { name: 'BIAS', elem: 'f32', access: 'read' },
  ] as const;
  if (rows > 0) {
    const bodyQ = () => `${helpers(d.Dh)}
@compute @workgroup_size(${WG})
fn main(${LINEAR_PARAMS}) {
${queryRowPrologue()}
  var sum = 0.0;
  var c = 0.0;
  for (var j = 0u; j < lim; j++) {
    let e = exp(score(qb, kb + j * DH, bb + j) - m);
    sum += e;
    let vr = kb + j * DH;
    var dp = 0.0;
    for (var x = 0u; x < u.dh; x++) { dp += DY[qb + x] * V[vr + x]; }
    c += e * dp;
  }
  let inv = select(0.0, 1.0 / sum, lim > 0u);
  c = c * inv;
  STATS[r * 3u] = m;
  STATS[r * 3u + 1u] = inv;
  STATS[r * 3u + 2u] = c;
  var acc: array<f32, ${d.Dh}>;
  for (var x = 0u; x < u.dh; x++) { acc[x] = 0.0; }
  for (var j = 0u; j < lim; j++) {
    let kr = kb + j * DH;
    let p = exp(score(qb, kr, bb + j) - m) * inv;
    var dp = 0.0;
    for (var x = 0u; x < u.dh; x++) { dp += DY[qb + x] * V[kr + x]; }
    let ds = p * (dp - c) * u.scale;
    for (var x = 0u; x < u.dh; x++) { acc[x] += ds * K[kr + x]; }
  }
  for (var x = 0u; x < u.dh; x++) { DQ[qb + x] = acc[x]; }
}`;
    ctx.dispatch(
      {
        name: 'AttentionGrad(q)',
        key: `attentiongrad-q|${d.Dh}`,
        bindings: [...bindings, { name: 'STATS', elem: 'f32', access: 'read_write' }, { name: 'DQ', elem: 'f32', access: 'read_write' }],
        uniforms: uniforms(d, rows, scale, causal),
        body: bodyQ,
      },
      [dy.storage, q.storage, k.storage, v.storage, bias.storage, stats, dq],
      grid1d(ctx, rows, WG),
    );
  }
  if (keyRows > 0) {
    const bodyKV = () => `${helpers(d.Dh)}
@compute @workgroup_size(${WG})
fn main(${LINEAR_PARAMS}) {
  ${linearIndex(WG, 'r')}
  if (r >= u.rows) { return; }
  let j = r % u.T;
  let g = (r / u.T) % u.Hkv;
  let b = r / (u.T * u.Hkv);
  let kr = r * DH;
  var ak: array<f32, ${d.Dh}>;
  var av: array<f32, ${d.Dh}>;
  for (var x = 0u; x < u.dh; x++) { ak[x] = 0.0; av[x] = 0.0; }
  // causal: query i sees key j when j <= i + T - S
  var i0 = 0u;
  if (u.causal != 0u) { i0 = u32(max(i32(j) - i32(u.T) + i32(u.S), 0)); }
  for (var h = g * u.G; h < (g + 1u) * u.G; h++) {
    for (var i = i0; i < u.S; i++) {
      let qr = (b * u.H + h) * u.S + i;
      let qb = qr * DH;
      let p = exp(score(qb, kr, biasRow(b, i) + j) - STATS[qr * 3u]) * STATS[qr * 3u + 1u];
      var dp = 0.0;
      for (var x = 0u; x < u.dh; x++) { dp += DY[qb + x] * V[kr + x]; }
      let ds = p * (dp - STATS[qr * 3u + 2u]) * u.scale;
      for (var x = 0u; x < u.dh; x++) {
        ak[x] += ds * Q[qb + x];
        av[x] += p * DY[qb + x];
      }
    }
  }
  for (var x = 0u; x < u.dh; x++) { DK[kr + x] = ak[x]; DV[kr + x] = av[x]; }
}`;
    ctx.dispatch(
      {
        name: 'AttentionGrad(kv)',
        key: `attentiongrad-kv|${d.Dh}`,
        bindings: [...bindings, { name: 'STATS', elem: 'f32', access: 'read' }, { name: 'DK', elem: 'f32', access: 'read_write' }, { name: 'DV', elem: 'f32', access: 'read_write' }],
        uniforms: uniforms(d, keyRows, scale, causal),
        body: bodyKV,
      },
      [dy.storage, q.storage, k.storage, v.storage, bias.storage, stats, dk, dv],
      grid1d(ctx, keyRows, WG),
    );
  }
  ctx.release(stats);
  return [dq, dk, dv];
};
