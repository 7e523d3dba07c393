/**
 * A minimal WebAssembly binary writer: just what the SIMD kernels of the f32 CPU backend need (one
 * imported memory, functions of i32 parameters, locals, structured loops). The kernels are written as
 * instruction lists in TypeScript (`gemm-wasm.ts`) and assembled when the backend is created, so the
 * package ships no binary and needs no toolchain.
 */

/** Value types. */
export const I32 = 0x7f;
export const V128 = 0x7b;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (32-bit). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function name(s: string): number[] {
  const b = [...Buffer.from(s, 'utf8')];
  return [...uleb(b.length), ...b];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

/** The instructions the kernels use (each returns its bytes). */
export const op = {
  localGet: (i: number) => [0x20, ...uleb(i)],
  localSet: (i: number) => [0x21, ...uleb(i)],
  localTee: (i: number) => [0x22, ...uleb(i)],
  i32Const: (v: number) => [0x41, ...sleb(v)],
  i32Add: [0x6a],
  i32Mul: [0x6c],
  i32LtU: [0x49],
  /** `loop` with an empty block type; close with {@link op.end}. */
  loop: [0x03, 0x40],
  end: [0x0b],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  /** `f32.load` (align 4) at a constant offset. */
  f32Load: (offset = 0) => [0x2a, 0x02, ...uleb(offset)],
  /** `v128.load` (align 4, so any 4-byte aligned address is fine) at a constant offset. */
  v128Load: (offset = 0) => [0xfd, ...uleb(0x00), 0x02, ...uleb(offset)],
  /** `v128.load32_splat` (align 4) at a constant offset: one f32 in all four lanes. */
  v128Load32Splat: (offset = 0) => [0xfd, ...uleb(0x09), 0x02, ...uleb(offset)],
  v128Store: (offset = 0) => [0xfd, ...uleb(0x0b), 0x02, ...uleb(offset)],
  v128Zero: [0xfd, ...uleb(0x0c), ...new Array<number>(16).fill(0)],
  f32x4Splat: [0xfd, ...uleb(0x13)],
  f32x4Add: [0xfd, ...uleb(0xe4)],
  f32x4Mul: [0xfd, ...uleb(0xe6)],
};

/** One function: its i32 parameters, extra locals (type per local) and body (without the final `end`). */
export interface WasmFunction {
  name: string;
  params: number;
  locals: number[];
  body: number[][];
}

/** A module importing `env.memory` and exporting `fns` by name. */
export function wasmModule(fns: readonly WasmFunction[]): Uint8Array {
  const types = fns.map((f) => [0x60, ...vec(new Array(f.params).fill([I32])), 0x00]);
  const imports = vec([[...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(1)]]);
  const funcs = vec(fns.map((_, i) => uleb(i)));
  const exports = vec(fns.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]));
  const bodies = fns.map((f) => {
    // locals grouped in runs of one type
    const groups: number[][] = [];
    for (const t of f.locals) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    const code = [...vec(groups.map(([n, t]) => [...uleb(n), t])), ...f.body.flat(), ...op.end];
    return [...uleb(code.length), ...code];
  });
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, imports),
    ...section(3, funcs),
    ...section(7, exports),
    ...section(10, vec(bodies)),
  ]);
}
