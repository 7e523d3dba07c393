/**
 * Batched f32 matmul on the WebAssembly SIMD GEMM (`gemm-wasm.ts`). Operands are copied into the
 * module's memory in the kernel's layout (rows padded to 4, columns to 8, transposes applied on the
 * way in), the product is copied back out. A 2-D right operand (a weight) is laid out once and kept
 * with its array (a WeakMap, so the copy dies with the tensor); a batch of rows against a 2-D right
 * operand is one GEMM.
 */
import { sizeOf } from '@crossedit/core';
import { matmulGeometry } from '../kernels/MatMul.js';
import { broadcastIndex } from '../storage.js';
import { gemmModuleBytes } from './gemm-wasm.js';
import { instantiate, type WasmMemory } from './wasm-runtime.js';

const PAGE = 65536;


const up = (n: number, m: number) => Math.ceil(n / m) * m;

/** B column panels of about this many bytes (so one panel stays in the L2 cache while A passes it). */
const PANEL_BYTES = 256 * 1024;
/** Panels only when the laid-out A is at most this large (A is read once per panel). */
const A_RESIDENT_BYTES = 512 * 1024;

/**
 * `dst[dOff + c * ld + r] = src[sOff + r * C + c]` for the `[R, C]` matrix at `sOff`: its transpose
 * written with row stride `ld`, four source rows at a time (four contiguous reads, one run of four
 * contiguous writes per column).
 */
function transposeInto(src: Float32Array, sOff: number, R: number, C: number, dst: Float32Array, dOff: number, ld: number): void {
  let r = 0;
  for (; r + 4 <= R; r += 4) {
    const s0 = sOff + r * C;
    const s1 = s0 + C;
    const s2 = s1 + C;
    const s3 = s2 + C;
    for (let c = 0; c < C; c++) {
      const d = dOff + c * ld + r;
      dst[d] = src[s0 + c];
      dst[d + 1] = src[s1 + c];
      dst[d + 2] = src[s2 + c];
      dst[d + 3] = src[s3 + c];
    }
  }
  for (; r < R; r++) {
    const s0 = sOff + r * C;
    for (let c = 0; c < C; c++) dst[dOff + c * ld + r] = src[s0 + c];
  }
}

/** The prepared right operands `[K, Np]` of a 2-D `b`, per (transB, K) layout. */
const prepared = new WeakMap<Float32Array, Map<string, Float32Array>>();

/** One instance of the GEMM module with its memory. */
export class WasmGemm {
  readonly #mem: WasmMemory;
  readonly #gemm: (a: number, b: number, c: number, m: number, n: number, k: number) => void;
  #f: Float32Array;

  constructor() {
    const inst = instantiate(gemmModuleBytes(), 16);
    this.#mem = inst.mem;
    this.#gemm = inst.exports.gemm as (a: number, b: number, c: number, m: number, n: number, k: number) => void;
    this.#f = new Float32Array(this.#mem.buffer);
  }

  /** Grows the memory to hold `floats` f32 values. */
  #reserve(floats: number): Float32Array {
    const need = floats * 4;
    if (need > this.#mem.buffer.byteLength) {
      this.#mem.grow(Math.ceil((need - this.#mem.buffer.byteLength) / PAGE));
      this.#f = new Float32Array(this.#mem.buffer);
    }
    return this.#f;
  }

  /** `B` of one batch as the kernel's `[K, Np]`, from `[K, N]` or (transB) `[N, K]` at `off`. */
  static layoutB(b: Float32Array, off: number, K: number, N: number, transB: boolean): Float32Array {
    const Np = up(N, 8);
    const out = new Float32Array(K * Np);
    if (transB) transposeInto(b, off, N, K, out, 0, Np);
    else if (Np === N) out.set(b.subarray(off, off + K * N));
    else for (let k = 0; k < K; k++) out.set(b.subarray(off + k * N, off + k * N + N), k * Np);
    return out;
  }

  #preparedB(b: Float32Array, K: number, N: number, transB: boolean): Float32Array {
    let byKey = prepared.get(b);
    if (!byKey) prepared.set(b, (byKey = new Map()));
    const key = `${transB ? 'T' : 'N'}${K}`;
    let p = byKey.get(key);
    if (!p) byKey.set(key, (p = WasmGemm.layoutB(b, 0, K, N, transB)));
    return p;
  }

  /**
   * `c[cOff..] = A·B` for one GEMM: `A` at `aOff` is `[M, K]` (`[K, M]` when `transA`), `bp` the
   * prepared `[K, Np]`.
   */
  #one(a: Float32Array, aOff: number, transA: boolean, bp: Float32Array, c: Float32Array, cOff: number, M: number, N: number, K: number): void {
    const Np = up(N, 8);
    const Mp = up(M, 4);
    const panel = Math.max(8, Math.floor(PANEL_BYTES / (4 * K)) & ~7);
    if (Np <= panel || Mp * K * 4 > A_RESIDENT_BYTES) {
      const { bAt } = this.#layout(M, N, K);
      this.#writeA(a, aOff, transA, M, K);
      this.#f.set(bp, bAt);
      this.#run(c, cOff, M, N, K);
      return;
    }
    // a wide B (the LM head): column panels of B that stay in cache while all of A's rows pass
    // them, A laid out once; each panel's C columns copied to their place in c
    const { bAt, cAt } = this.#layout(M, panel, K);
    this.#writeA(a, aOff, transA, M, K);
    for (let j0 = 0; j0 < N; j0 += panel) {
      const w = Math.min(panel, N - j0);
      const wp = up(w, 8);
      const f = this.#f;
      for (let k = 0; k < K; k++) f.set(bp.subarray(k * Np + j0, k * Np + j0 + wp), bAt + k * wp);
      this.#gemm(0, bAt * 4, cAt * 4, Mp, wp, K);
      for (let m = 0; m < M; m++) c.set(f.subarray(cAt + m * wp, cAt + m * wp + w), cOff + m * N + j0);
    }
  }

  /** Where A, B and C sit in the module's memory for one GEMM (in floats), the memory grown to hold them. */
  #layout(M: number, N: number, K: number): { bAt: number; cAt: number } {
    const Mp = up(M, 4);
    const Np = up(N, 8);
    const bAt = up(Mp * K, 4);
    const cAt = bAt + up(K * Np, 4);
    this.#reserve(cAt + Mp * Np);
    return { bAt, cAt };
  }

  /** Copies A (`[M, K]`, or `[K, M]` when `transA`, at `aOff`) to the start of the memory, rows padded to 4. */
  #writeA(a: Float32Array, aOff: number, transA: boolean, M: number, K: number): void {
    const f = this.#f;
    if (transA) transposeInto(a, aOff, K, M, f, 0, K);
    else f.set(a.subarray(aOff, aOff + M * K), 0);
    const Mp = up(M, 4);
    if (Mp > M) f.fill(0, M * K, Mp * K);
  }

  /** Lays out B of one batch entry (`[K, N]`, or `[N, K]` when `transB`, at `off`) in the memory as `[K, Np]`. */
  #writeB(b: Float32Array, off: number, K: number, N: number, transB: boolean, bAt: number): void {
    const f = this.#f;
    const Np = up(N, 8);
    if (transB) {
      if (Np > N) for (let k = 0; k < K; k++) f.fill(0, bAt + k * Np + N, bAt + k * Np + Np);
      transposeInto(b, off, N, K, f, bAt, Np);
    } else if (Np === N) f.set(b.subarray(off, off + K * N), bAt);
    else {
      for (let k = 0; k < K; k++) {
        f.set(b.subarray(off + k * N, off + k * N + N), bAt + k * Np);
        f.fill(0, bAt + k * Np + N, bAt + k * Np + Np);
      }
    }
  }

  /** Runs the GEMM on the laid-out operands and copies C (`[M, N]`) out to `c` at `cOff`. */
  #run(c: Float32Array, cOff: number, M: number, N: number, K: number): void {
    const { bAt, cAt } = this.#layout(M, N, K);
    const Mp = up(M, 4);
    const Np = up(N, 8);
    this.#gemm(0, bAt * 4, cAt * 4, Mp, Np, K);
    const f = this.#f;
    if (Np === N) c.set(f.subarray(cAt, cAt + M * N), cOff);
    else for (let m = 0; m < M; m++) c.set(f.subarray(cAt + m * Np, cAt + m * Np + N), cOff + m * N);
  }

  /**
   * Batched matmul with the semantics of the reference `matmulImpl` (transposes, broadcast batch
   * dimensions), in f32: products summed in k order in f32, rounded once per add.
   */
  matmul(a: Float32Array, aShape: readonly number[], b: Float32Array, bShape: readonly number[], transA: boolean, transB: boolean): Float32Array {
    const { M, K, N, batchA, batchB, batch } = matmulGeometry(aShape, bShape, transA, transB);
    const rb = bShape.length;
    const nBatch = sizeOf(batch);
    const c = new Float32Array(nBatch * M * N);
    if (c.length === 0 || K === 0) return c;
    if (rb === 2) {
      const bp = this.#preparedB(b, K, N, transB);
      // rows of every batch entry against one matrix: a single GEMM when A's rows are contiguous
      if (!transA && sizeOf(batchA) === nBatch) this.#one(a, 0, false, bp, c, 0, nBatch * M, N, K);
      else {
        const ia = broadcastIndex(batchA, batch);
        for (let t = 0; t < nBatch; t++) this.#one(a, (ia ? ia[t] : t) * M * K, transA, bp, c, t * M * N, M, N, K);
      }
      return c;
    }
    // batched operands: each entry's A and B laid out straight into the module's memory (B kept
    // there while consecutive entries share it); the GEMM only ever writes C's region
    const ia = broadcastIndex(batchA, batch);
    const ib = broadcastIndex(batchB, batch);
    const { bAt } = this.#layout(M, N, K);
    let lastB = -1;
    for (let t = 0; t < nBatch; t++) {
      const bb = ib ? ib[t] : t;
      if (bb !== lastB) {
        this.#writeB(b, bb * K * N, K, N, transB, bAt);
        lastB = bb;
      }
      this.#writeA(a, (ia ? ia[t] : t) * M * K, transA, M, K);
      this.#run(c, t * M * N, M, N, K);
    }
    return c;
  }
}
