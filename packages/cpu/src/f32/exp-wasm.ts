/**
 * `exp` of a row of f32 values in WebAssembly SIMD (two float64 lanes): `dst[i] = f32(exp(src[i] - m))`
 * and the float64 sum of the unrounded exponentials, for the softmax kernels. The exponential is
 * evaluated in float64 (Cody-Waite reduction by ln 2, degree-11 Taylor polynomial on |r| <= ln2/2, the
 * power of two built in the exponent bits): relative error below 1e-14, far under f32 rounding, so the
 * stored values are those of `Math.exp` rounded to f32 (up to a rare tie) and the sum agrees with the
 * reference's to float64 rounding. Arguments are clamped at -708 (the result is then ~3e-308, 0 in f32);
 * NaN stays NaN.
 */
import { I32, V128, op, uleb, wasmModule, type WasmFunction } from './wasm-encode.js';
import { instantiate, type WasmMemory } from './wasm-runtime.js';

const SIMD = 0xfd;
const simd = (code: number, ...rest: number[]) => [SIMD, ...uleb(code), ...rest];
const f64Bytes = (v: number) => [...new Uint8Array(Float64Array.of(v).buffer)];
/** `v128.const` of two f64 lanes `v`. */
const f64x2Const = (v: number) => simd(0x0c, ...f64Bytes(v), ...f64Bytes(v));
/** `v128.const` of two i64 lanes `v` (small non-negative). */
const i64x2Const = (v: number) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigInt64(0, BigInt(v), true);
  return simd(0x0c, ...b, ...b);
};
const x = {
  load64Zero: simd(0x5d, 0x03, 0x00),
  promoteLow: simd(0x5f),
  demoteZero: simd(0x5e),
  store64Lane0: simd(0x5b, 0x03, 0x00, 0x00),
  f64x2Splat: simd(0x14),
  f64x2ExtractLane: (lane: number) => simd(0x21, lane),
  f64x2Add: simd(0xf0),
  f64x2Sub: simd(0xf1),
  f64x2Mul: simd(0xf2),
  f64x2Max: simd(0xf5),
  f64x2Nearest: simd(0x94),
  i32x4TruncSatF64x2SZero: simd(0xfc),
  i64x2ExtendLowI32x4S: simd(0xc7),
  i64x2Shl: simd(0xcb),
  i64x2Add: simd(0xce),
  f64x2Div: simd(0xf3),
  f64x2Sqrt: simd(0xef),
  f64x2Abs: simd(0xec),
  f64x2Neg: simd(0xed),
  f64x2Ge: simd(0x4c),
  bitselect: simd(0x52),
  f64Load: (offset: number) => [0x2b, 0x03, ...uleb(offset)],
  f64Store: (offset: number) => [0x39, 0x03, ...uleb(offset)],
  f64Add: [0xa0],
};

// parameters: src, dst (byte addresses of f32 rows), pairs (values / 2, >= 1), slot (f64 m in, f64 sum out at +8)
const SRC = 0;
const DST = 1;
const PAIRS = 2;
const SLOT = 3;
// locals
const I = 4;
const T = 5;
const K = 6;
const R = 7;
const P = 8;
const S = 9;
const M = 10;

const INVLN2 = 1.4426950408889634;
const LN2HI = 0.6931471803691238;
const LN2LO = 1.9082149292705877e-10;

/**
 * Emits `p = exp(t)` for the f64x2 local `t` (already clamped to >= -708), with `k` and `r` as scratch:
 * k = nearest(t / ln 2), r = (t - k·ln2hi) - k·ln2lo, p = Σ_{j<=11} r^j / j! (Horner), times 2^k built as
 * the float64 bits (k + 1023) << 52.
 */
function emitExp(emit: (...parts: number[][]) => void, T: number, K: number, R: number, P: number): void {
  const { localGet: get, localSet: set, i32Const } = op;
  emit(get(T), f64x2Const(INVLN2), x.f64x2Mul, x.f64x2Nearest, set(K));
  emit(get(T), get(K), f64x2Const(LN2HI), x.f64x2Mul, x.f64x2Sub, get(K), f64x2Const(LN2LO), x.f64x2Mul, x.f64x2Sub, set(R));
  let fact = 1;
  for (let j = 1; j <= 11; j++) fact *= j;
  emit(f64x2Const(1 / fact), set(P));
  for (let j = 10; j >= 0; j--) {
    fact /= j + 1;
    emit(get(P), get(R), x.f64x2Mul, f64x2Const(1 / fact), x.f64x2Add, set(P));
  }
  emit(get(P), get(K), x.i32x4TruncSatF64x2SZero, x.i64x2ExtendLowI32x4S, i64x2Const(1023), x.i64x2Add, i32Const(52), x.i64x2Shl, x.f64x2Mul, set(P));
}

/**
 * Emits, for the f64x2 local `g`, `s = sigmoid(g)` the way the reference `sigmoidScalar` takes it: with
 * `e = exp(-|g|)`, `1 / (1 + e)` where `g >= 0`, else `e / (1 + e)`.
 */
function emitSigmoid(emit: (...parts: number[][]) => void, g: number, t: number, k: number, r: number, p: number, sOut: number): void {
  const { localGet: get, localSet: set } = op;
  emit(get(g), x.f64x2Abs, x.f64x2Neg, f64x2Const(-708), x.f64x2Max, set(t));
  emitExp(emit, t, k, r, p);
  // t = 1 + e; s = select(g >= 0, 1 / t, e / t)
  emit(get(p), f64x2Const(1), x.f64x2Add, set(t));
  emit(f64x2Const(1), get(t), x.f64x2Div, get(p), get(t), x.f64x2Div, get(g), f64x2Const(0), x.f64x2Ge, x.bitselect, set(sOut));
}

/** `f64x2` of the two f32 values at the address in local `ptr`. */
const loadPair = (ptr: number) => [...op.localGet(ptr), ...x.load64Zero, ...x.promoteLow];
/** Stores the f64x2 on the stack as two f32 at the address in local `ptr` (a value under it on the stack). */
const storePair = [...x.demoteZero, ...x.store64Lane0];

/** `swiglu(g, u, out, pairs)`: `out = (g · sigmoid(g)) · u` per element (the reference's order), in pairs. */
function swigluFunction(): WasmFunction {
  const { localGet: get, localSet: set, i32Const } = op;
  const [G, U, O, PAIRS_, I_, Gv, Tt, Kk, Rr, Pp, Sv] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const b: number[][] = [];
  const emit = (...parts: number[][]) => b.push(parts.flat());
  emit(op.loop);
  emit(loadPair(G), set(Gv));
  emitSigmoid(emit, Gv, Tt, Kk, Rr, Pp, Sv);
  emit(get(O), get(Gv), get(Sv), x.f64x2Mul, loadPair(U), x.f64x2Mul, storePair);
  for (const ptr of [G, U, O]) emit(get(ptr), i32Const(8), op.i32Add, set(ptr));
  emit(get(I_), i32Const(1), op.i32Add, op.localTee(I_), get(PAIRS_), op.i32LtU, op.brIf(0));
  emit(op.end);
  return { name: 'swiglu', params: 4, locals: [I32, V128, V128, V128, V128, V128, V128], body: b };
}

/**
 * `swiglugrad(dy, g, u, dg, du, pairs)`: with `s = sigmoid(g)`, `dg = (dy · u) · (s · (1 + g · (1 - s)))`,
 * `du = dy · (g · s)` (the reference `swigluGradImpl`'s order), in pairs.
 */
function swigluGradFunction(): WasmFunction {
  const { localGet: get, localSet: set, i32Const } = op;
  const [DY, G, U, DG, DU, PAIRS_, I_, Gv, Tt, Kk, Rr, Pp, Sv, Dv] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
  const b: number[][] = [];
  const emit = (...parts: number[][]) => b.push(parts.flat());
  emit(op.loop);
  emit(loadPair(G), set(Gv));
  emit(loadPair(DY), set(Dv));
  emitSigmoid(emit, Gv, Tt, Kk, Rr, Pp, Sv);
  // dg = (dy * u) * (s * (1 + g * (1 - s)))
  emit(get(DG), get(Dv), loadPair(U), x.f64x2Mul);
  emit(get(Sv), f64x2Const(1), get(Gv), f64x2Const(1), get(Sv), x.f64x2Sub, x.f64x2Mul, x.f64x2Add, x.f64x2Mul);
  emit(x.f64x2Mul, storePair);
  // du = dy * (g * s)
  emit(get(DU), get(Dv), get(Gv), get(Sv), x.f64x2Mul, x.f64x2Mul, storePair);
  for (const ptr of [DY, G, U, DG, DU]) emit(get(ptr), i32Const(8), op.i32Add, set(ptr));
  emit(get(I_), i32Const(1), op.i32Add, op.localTee(I_), get(PAIRS_), op.i32LtU, op.brIf(0));
  emit(op.end);
  return { name: 'swiglugrad', params: 6, locals: [I32, V128, V128, V128, V128, V128, V128, V128], body: b };
}

/**
 * `adam(p, g, m, v, next, mo, vo, pairs, slot)`: one Adam step in pairs, the reference `adamStepImpl`'s
 * float64 arithmetic in its order: `g' = g (+ p·wd when coupled)`, `m' = m·b1 + g'·c1`,
 * `v' = v·b2 + (g'·g')·c2` (both stored as f32 and read back rounded, as the reference reads its f32
 * outputs), `next = p·shrink - (m' / (sqrt(v') / sqrtBc2 + eps))·stepSize` (`p·1 = p` exactly). The
 * constants are float64 at `slot`: b1, c1, b2, c2, eps, sqrtBc2, stepSize, shrink, wd.
 */
function adamFunction(coupled: boolean): WasmFunction {
  const { localGet: get, localSet: set, i32Const } = op;
  const [Pp, Gp, Mp, Vp, Np, MOp, VOp, PAIRS_, SLOT_, I_] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [B1, C1, B2, C2, EPS, SQ, SS, SHR, WD, P, G, MI, VI] = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22];
  const b: number[][] = [];
  const emit = (...parts: number[][]) => b.push(parts.flat());
  [B1, C1, B2, C2, EPS, SQ, SS, SHR, WD].forEach((l, k) => emit(get(SLOT_), x.f64Load(8 * k), x.f64x2Splat, set(l)));
  const rounded = [...x.demoteZero, ...x.promoteLow];
  emit(op.loop);
  emit(loadPair(Pp), set(P));
  emit(loadPair(Gp), set(G));
  if (coupled) emit(get(G), get(P), get(WD), x.f64x2Mul, x.f64x2Add, set(G));
  emit(loadPair(Mp), get(B1), x.f64x2Mul, get(G), get(C1), x.f64x2Mul, x.f64x2Add, rounded, set(MI));
  emit(loadPair(Vp), get(B2), x.f64x2Mul, get(G), get(G), x.f64x2Mul, get(C2), x.f64x2Mul, x.f64x2Add, rounded, set(VI));
  emit(get(MOp), get(MI), storePair);
  emit(get(VOp), get(VI), storePair);
  emit(get(Np), get(P), get(SHR), x.f64x2Mul, get(MI), get(VI), x.f64x2Sqrt, get(SQ), x.f64x2Div, get(EPS), x.f64x2Add, x.f64x2Div, get(SS), x.f64x2Mul, x.f64x2Sub, storePair);
  for (const ptr of [Pp, Gp, Mp, Vp, Np, MOp, VOp]) emit(get(ptr), i32Const(8), op.i32Add, set(ptr));
  emit(get(I_), i32Const(1), op.i32Add, op.localTee(I_), get(PAIRS_), op.i32LtU, op.brIf(0));
  emit(op.end);
  return { name: coupled ? 'adamcoupled' : 'adam', params: 9, locals: [I32, ...new Array<number>(13).fill(V128)], body: b };
}

function expBody(): number[][] {
  const { localGet: get, localSet: set, i32Const } = op;
  const b: number[][] = [];
  const emit = (...parts: number[][]) => b.push(parts.flat());
  emit(get(SLOT), x.f64Load(0), x.f64x2Splat, set(M));
  emit(op.v128Zero, set(S));
  emit(op.loop);
  // t = max(f64(src[0..1]) - m, -708)
  emit(get(SRC), x.load64Zero, x.promoteLow, get(M), x.f64x2Sub, f64x2Const(-708), x.f64x2Max, set(T));
  emitExp(emit, T, K, R, P);
  emit(get(DST), get(P), x.demoteZero, x.store64Lane0);
  emit(get(S), get(P), x.f64x2Add, set(S));
  emit(get(SRC), i32Const(8), op.i32Add, set(SRC));
  emit(get(DST), i32Const(8), op.i32Add, set(DST));
  emit(get(I), i32Const(1), op.i32Add, op.localTee(I), get(PAIRS), op.i32LtU, op.brIf(0));
  emit(op.end);
  emit(get(SLOT), get(S), x.f64x2ExtractLane(0), get(S), x.f64x2ExtractLane(1), x.f64Add, x.f64Store(8));
  return b;
}

/** The module's function: `exprow(src, dst, pairs, slot)`. */
export function expFunction(): WasmFunction {
  return { name: 'exprow', params: 4, locals: [I32, V128, V128, V128, V128, V128, V128], body: expBody() };
}

type AdamFn = (p: number, g: number, m: number, v: number, next: number, mo: number, vo: number, pairs: number, slot: number) => void;

/** One instance of the exp module with its memory: rows are copied in, their exponentials copied out. */
export class WasmExp {
  readonly #mem: WasmMemory;
  readonly #fn: (src: number, dst: number, pairs: number, slot: number) => void;
  readonly #adam: AdamFn;
  readonly #adamCoupled: AdamFn;
  readonly #swiglu: (g: number, u: number, o: number, pairs: number) => void;
  readonly #swigluGrad: (dy: number, g: number, u: number, dg: number, du: number, pairs: number) => void;
  #f: Float32Array;
  #d: Float64Array;

  constructor() {
    const inst = instantiate(wasmModule([expFunction(), swigluFunction(), swigluGradFunction(), adamFunction(false), adamFunction(true)]), 1);
    this.#mem = inst.mem;
    this.#fn = inst.exports.exprow as (src: number, dst: number, pairs: number, slot: number) => void;
    this.#adam = inst.exports.adam as AdamFn;
    this.#adamCoupled = inst.exports.adamcoupled as AdamFn;
    this.#swiglu = inst.exports.swiglu as (g: number, u: number, o: number, pairs: number) => void;
    this.#swigluGrad = inst.exports.swiglugrad as (dy: number, g: number, u: number, dg: number, du: number, pairs: number) => void;
    this.#f = new Float32Array(this.#mem.buffer);
    this.#d = new Float64Array(this.#mem.buffer);
  }

  /**
   * `e[eOff + i] = f32(exp(x[xOff + i] - m))` for `i < n`; returns `Σ exp(x[xOff + i] - m)` in float64
   * (unrounded terms; two interleaved partial sums, then the odd last term).
   */
  row(x: Float32Array, xOff: number, n: number, m: number, e: Float32Array, eOff: number): number {
    const pairs = n >> 1;
    let s = 0;
    if (pairs > 0) {
      // layout (bytes): [0, 16) slot, then the source row, then the exponentials
      const need = 16 + 8 * n;
      if (need > this.#mem.buffer.byteLength) {
        this.#mem.grow(Math.ceil((need - this.#mem.buffer.byteLength) / 65536));
        this.#f = new Float32Array(this.#mem.buffer);
        this.#d = new Float64Array(this.#mem.buffer);
      }
      const f = this.#f;
      const src = 4;
      const dst = 4 + n + (n & 1);
      f.set(x.subarray(xOff, xOff + 2 * pairs), src);
      this.#d[0] = m;
      this.#fn(src * 4, dst * 4, pairs, 0);
      s = this.#d[1];
      e.set(f.subarray(dst, dst + 2 * pairs), eOff);
    }
    if (n & 1) {
      const v = Math.exp(x[xOff + n - 1] - m);
      e[eOff + n - 1] = v;
      s += v;
    }
    return s;
  }

  /** Grows the memory to at least `bytes`. */
  #reserve(bytes: number): Float32Array {
    if (bytes > this.#mem.buffer.byteLength) {
      this.#mem.grow(Math.ceil((bytes - this.#mem.buffer.byteLength) / 65536));
      this.#f = new Float32Array(this.#mem.buffer);
      this.#d = new Float64Array(this.#mem.buffer);
    }
    return this.#f;
  }

  /**
   * `out = (g · sigmoid(g)) · u` elementwise on f32 data, float64 arithmetic in the reference's order
   * (`swigluImpl`), one rounding per output; the odd last element by the reference's scalar code.
   */
  swiglu(g: Float32Array, u: Float32Array, out: Float32Array, tail: (i: number) => void): void {
    const n = out.length;
    const pairs = n >> 1;
    if (pairs > 0) {
      const m = 2 * pairs;
      const f = this.#reserve(12 * m);
      f.set(g.subarray(0, m), 0);
      f.set(u.subarray(0, m), m);
      this.#swiglu(0, 4 * m, 8 * m, pairs);
      out.set(f.subarray(2 * m, 3 * m));
    }
    if (n & 1) tail(n - 1);
  }

  /**
   * SwiGLU's VJP elementwise on f32 data (`swigluGradImpl`'s float64 arithmetic and order), `dg` and `du`
   * rounded once; the odd last element by `tail`.
   */
  swigluGrad(dy: Float32Array, g: Float32Array, u: Float32Array, dg: Float32Array, du: Float32Array, tail: (i: number) => void): void {
    const n = dg.length;
    const pairs = n >> 1;
    if (pairs > 0) {
      const m = 2 * pairs;
      const f = this.#reserve(20 * m);
      f.set(dy.subarray(0, m), 0);
      f.set(g.subarray(0, m), m);
      f.set(u.subarray(0, m), 2 * m);
      this.#swigluGrad(0, 4 * m, 8 * m, 12 * m, 16 * m, pairs);
      dg.set(f.subarray(3 * m, 4 * m));
      du.set(f.subarray(4 * m, 5 * m));
    }
    if (n & 1) tail(n - 1);
  }

  /**
   * One Adam step on f32 arrays of `n` elements (see `adamFunction`): `coupledWd` is the L2 weight decay
   * added to the gradient (0: none), `shrink` the decoupled decay factor `1 - lr·wd` (1: none); the odd
   * last element by `tail`. Bit for bit the reference kernel's results on f32 arrays.
   */
  adam(arrays: readonly Float32Array[], outs: readonly Float32Array[], c: { b1: number; c1: number; b2: number; c2: number; eps: number; sqrtBc2: number; stepSize: number; shrink: number; coupledWd: number }, tail: (i: number) => void): void {
    const n = outs[0].length;
    const pairs = n >> 1;
    if (pairs > 0) {
      const m = 2 * pairs;
      // layout (bytes): [0, 128) constants, then p, g, m, v, next, m', v' of m floats each
      const f = this.#reserve(128 + 28 * m);
      const at = (k: number) => 32 + k * m;
      arrays.forEach((a, k) => f.set(a.subarray(0, m), at(k)));
      const d = this.#d;
      [c.b1, c.c1, c.b2, c.c2, c.eps, c.sqrtBc2, c.stepSize, c.shrink, c.coupledWd].forEach((v, k) => (d[k] = v));
      (c.coupledWd !== 0 ? this.#adamCoupled : this.#adam)(4 * at(0), 4 * at(1), 4 * at(2), 4 * at(3), 4 * at(4), 4 * at(5), 4 * at(6), pairs, 0);
      outs.forEach((o, k) => o.set(f.subarray(at(4 + k), at(4 + k) + m)));
    }
    if (n & 1) tail(n - 1);
  }
}

let shared: WasmExp | null = null;
/** The process's exp module, assembled on first use (its memory is scratch: every call copies in and out). */
export function wasmExp(): WasmExp {
  return (shared ??= new WasmExp());
}
