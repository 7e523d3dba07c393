/** Writes small GGUF v3 files for tests, with any header number forgeable. */
import { concat } from './zip-builder.js';

/** A metadata value as written: `u32`, `str`, or an array of u32 / strings; `count` overrides an array's length field. */
export type GgufTestValue = { u32: number } | { str: string; len?: number } | { u32s: number[]; count?: number } | { strs: string[]; count?: number };

/** One f32 tensor; `dims` (innermost first) and `offset` may lie. */
export interface GgufTestTensor {
  name: string;
  dims: number[];
  data?: Float32Array;
  offset?: number;
}

const u32 = (v: number) => new Uint8Array(new Uint32Array([v]).buffer);
const u64 = (v: number | bigint) => new Uint8Array(new BigUint64Array([BigInt(v)]).buffer);
const str = (s: string, len?: number) => {
  const b = new TextEncoder().encode(s);
  return concat([u64(len ?? b.length), b]);
};

function value(v: GgufTestValue): Uint8Array {
  if ('u32' in v) return concat([u32(4), u32(v.u32)]);
  if ('str' in v) return concat([u32(8), str(v.str, v.len)]);
  if ('u32s' in v) return concat([u32(9), u32(4), u64(v.count ?? v.u32s.length), ...v.u32s.map(u32)]);
  return concat([u32(9), u32(8), u64(v.count ?? v.strs.length), ...v.strs.map((s) => str(s))]);
}

/**
 * A GGUF v3 file (alignment 32) with the given metadata and f32 tensors laid out in order.
 *
 * @param counts overrides of the tensor and metadata counts written in the header
 */
export function buildGguf(kv: Record<string, GgufTestValue>, tensors: GgufTestTensor[] = [], counts: { tensors?: number | bigint; kv?: number | bigint } = {}): Uint8Array {
  const head: Uint8Array[] = [new TextEncoder().encode('GGUF'), u32(3), u64(counts.tensors ?? tensors.length), u64(counts.kv ?? Object.keys(kv).length)];
  for (const [k, v] of Object.entries(kv)) head.push(str(k), value(v));
  let off = 0;
  const datas: Uint8Array[] = [];
  for (const t of tensors) {
    const data = t.data ?? new Float32Array(t.dims.reduce((a, b) => a * b, 1));
    head.push(str(t.name), u32(t.dims.length), ...t.dims.map((d) => u64(d)), u32(0), u64(t.offset ?? off));
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const pad = (32 - (bytes.length % 32)) % 32;
    datas.push(bytes, new Uint8Array(pad));
    off += bytes.length + pad;
  }
  const h = concat(head);
  return concat([h, new Uint8Array((32 - (h.length % 32)) % 32), ...datas]);
}
