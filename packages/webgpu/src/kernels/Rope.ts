/**
 * Rotary position embedding (HF rotate_half) on `[B, S, H, Dh]` with i32 positions `[B, S]`.
 * The inverse frequencies base^(-2i/Dh) are computed on the host in float64 and passed rounded to f32
 * (computing them in the shader as exp2(-2i/Dh · log2(base)) loses ~1e-6 relative, which times a
 * position of thousands is a visible angle error). The angle pos·freq is then reduced to [-π, π]
 * with a two-constant Cody–Waite step before sin/cos, whose GPU implementations are only accurate
 * on a small range.
 */
import { sizeOf } from '@crossedit/core';
import { ELEMENTWISE_WG, linearIndex, LINEAR_PARAMS } from '../codegen.js';
import { uniform } from '../uniforms.js';
import { grid1d } from './common.js';
import type { GpuKernel } from './types.js';

/** 2π split as C1 + C2 with C1 exactly representable in 8 significant bits (so k·C1 is exact). */
const TWO_PI_HI = 6.28125;
const TWO_PI_LO = 2 * Math.PI - TWO_PI_HI;

/** y = rotate(x, pos · base^(-2i/Dh)), or by the negative angle when `inverse`. */
export const Rope: GpuKernel<'Rope'> = (ctx, { x, positions }, { base, inverse }, [out]) => {
  const y = ctx.alloc(out);
  const [, , H, Dh] = x.shape;
  const half = Dh / 2;
  const n = sizeOf(x.shape) / 2;
  if (n === 0) return [y];
  const freqs: number[] = [];
  for (let i = 0; i < half; i++) freqs.push(Math.pow(base, (-2 * i) / Dh));
  const body = () => `
@compute @workgroup_size(${ELEMENTWISE_WG})
fn main(${LINEAR_PARAMS}) {
  ${linearIndex(ELEMENTWISE_WG)}
  if (i >= u.n) { return; }
  let j = i % u.half;
  let t = i / u.half;               // index over [B, S, H]
  let pos = f32(P[t / u.H]);        // positions are [B, S]
  let a = pos * u.freq[j / 4u][j % 4u];
  let q = round(a * ${(1 / (2 * Math.PI)).toPrecision(9)});
  let r = (a - q * ${TWO_PI_HI.toFixed(5)}) - q * ${TWO_PI_LO.toPrecision(9)};
  let c = cos(r);
  let s = ${inverse ? '-sin(r)' : 'sin(r)'};
  let o = t * u.dh + j;
  let x1 = X[o];
  let x2 = X[o + u.half];
  Y[o] = x1 * c - x2 * s;
  Y[o + u.half] = x2 * c + x1 * s;
}`;
  ctx.dispatch(
    {
      name: 'Rope',
      key: `rope|${inverse}|${Math.max(1, Math.ceil(half / 4))}`,
      bindings: [
        { name: 'X', elem: 'f32', access: 'read' },
        { name: 'P', elem: 'i32', access: 'read' },
        { name: 'Y', elem: 'f32', access: 'read_write' },
      ],
      uniforms: [uniform.u32('n', n), uniform.u32('half', half), uniform.u32('H', H), uniform.u32('dh', Dh), uniform.vec4f32Array('freq', freqs)],
      body,
    },
    [x.storage, positions.storage, y],
    grid1d(ctx, n),
  );
  return [y];
};
