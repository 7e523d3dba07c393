/**
 * The f32 GEMM kernel in WebAssembly SIMD: `C = A·B` with `A: [M, K]`, `B: [K, N]`, `C: [M, N]`,
 * all row-major f32 in linear memory, `M` a multiple of 4 and `N` a multiple of 8 (the caller pads).
 * A 4×8 block of C is held in eight f32x4 accumulators while k runs; each k loads 8 values of B's row
 * and broadcasts one value of each of A's four rows (`v128.load32_splat`). Products are summed in k order, in f32.
 */
import { I32, V128, op, wasmModule, type WasmFunction } from './wasm-encode.js';

// parameters
const A = 0;
const B = 1;
const C = 2;
const M = 3;
const N = 4;
const K = 5;
// locals
const i = 6;
const j = 7;
const k = 8;
const PA = [9, 10, 11, 12];
const PB = 13;
const PC = 14;
const ROWA = 15;
const ROWB = 16;
const ACC = [17, 18, 19, 20, 21, 22, 23, 24];
const B0 = 25;
const B1 = 26;
const S = 27;

const { localGet: get, localSet: set, i32Const } = op;

/** `dst = dst + src` for i32 locals. */
const addTo = (dst: number, src: number[]) => [get(dst), src, op.i32Add, set(dst)];

function gemmBody(): number[][] {
  const body: number[][] = [];
  const emit = (...xs: (number[] | number[][])[]) => {
    for (const x of xs) body.push(...(Array.isArray(x[0]) ? (x as number[][]) : [x as number[]]));
  };
  emit([get(K), i32Const(4), op.i32Mul, set(ROWA)].flat());
  emit([get(N), i32Const(4), op.i32Mul, set(ROWB)].flat());
  emit(op.loop); // i
  emit([i32Const(0), set(j)].flat());
  emit(op.loop); // j
  for (const a of ACC) emit([op.v128Zero, set(a)].flat());
  emit([get(A), get(i), get(ROWA), op.i32Mul, op.i32Add, set(PA[0])].flat());
  for (let r = 1; r < 4; r++) emit([get(PA[r - 1]), get(ROWA), op.i32Add, set(PA[r])].flat());
  emit([get(B), get(j), i32Const(4), op.i32Mul, op.i32Add, set(PB)].flat());
  emit([i32Const(0), set(k)].flat());
  emit(op.loop); // k
  emit([get(PB), op.v128Load(0), set(B0)].flat());
  emit([get(PB), op.v128Load(16), set(B1)].flat());
  for (let r = 0; r < 4; r++) {
    emit([get(PA[r]), op.v128Load32Splat(0), set(S)].flat());
    emit([get(ACC[2 * r]), get(S), get(B0), op.f32x4Mul, op.f32x4Add, set(ACC[2 * r])].flat());
    emit([get(ACC[2 * r + 1]), get(S), get(B1), op.f32x4Mul, op.f32x4Add, set(ACC[2 * r + 1])].flat());
    emit(addTo(PA[r], i32Const(4)).flat());
  }
  emit(addTo(PB, get(ROWB)).flat());
  emit([get(k), i32Const(1), op.i32Add, op.localTee(k), get(K), op.i32LtU, op.brIf(0)].flat());
  emit(op.end); // k
  emit([get(C), get(i), get(ROWB), op.i32Mul, op.i32Add, get(j), i32Const(4), op.i32Mul, op.i32Add, set(PC)].flat());
  for (let r = 0; r < 4; r++) {
    emit([get(PC), get(ACC[2 * r]), op.v128Store(0)].flat());
    emit([get(PC), get(ACC[2 * r + 1]), op.v128Store(16)].flat());
    emit(addTo(PC, get(ROWB)).flat());
  }
  emit([get(j), i32Const(8), op.i32Add, op.localTee(j), get(N), op.i32LtU, op.brIf(0)].flat());
  emit(op.end); // j
  emit([get(i), i32Const(4), op.i32Add, op.localTee(i), get(M), op.i32LtU, op.brIf(0)].flat());
  emit(op.end); // i
  return body;
}

/** The kernel's function: `gemm(a, b, c, M, N, K)` with byte addresses. */
export function gemmFunction(): WasmFunction {
  return { name: 'gemm', params: 6, locals: [...new Array(11).fill(I32), ...new Array(11).fill(V128)], body: gemmBody() };
}

/** The assembled module's bytes. */
export function gemmModuleBytes(): Uint8Array {
  return wasmModule([gemmFunction()]);
}
