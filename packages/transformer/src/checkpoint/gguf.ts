/**
 * The GGUF (v2/v3) reader: header, metadata key/values (hyperparameters and the embedded tokenizer),
 * tensor infos, aligned tensor data. Shapes are exposed in PyTorch order (GGUF's `ne[0]`, the row length,
 * becomes the last dim). F32/F16/BF16/F64 are converted and Q8_0/Q4_0/Q4_1 dequantised to float32.
 */
import { FormatError, sizeOf } from '@crossedit/core';
import { BaseReader } from './base-reader.js';
import { CHUNK_BYTES, f16Lut, notFloatError, readFloats } from './convert.js';
import { RangeFile } from './range-file.js';
import type { CheckpointDType, TensorEntry } from './types.js';

/** A GGUF metadata value: numbers (`bigint` for 64-bit integers beyond 2^53), booleans, strings, arrays. */
export type GgufValue = number | bigint | boolean | string | GgufValue[];

interface GgmlType {
  readonly dtype: CheckpointDType;
  /** Elements per block. */
  readonly block: number;
  /** Bytes per block. */
  readonly bytes: number;
}

/** GGML tensor type ids → dtype and block layout. */
export const GGML_TYPES: Readonly<Record<number, GgmlType>> = {
  0: { dtype: 'f32', block: 1, bytes: 4 },
  1: { dtype: 'f16', block: 1, bytes: 2 },
  2: { dtype: 'q4_0', block: 32, bytes: 18 },
  3: { dtype: 'q4_1', block: 32, bytes: 20 },
  6: { dtype: 'q5_0', block: 32, bytes: 22 },
  7: { dtype: 'q5_1', block: 32, bytes: 24 },
  8: { dtype: 'q8_0', block: 32, bytes: 34 },
  9: { dtype: 'q8_1', block: 32, bytes: 36 },
  10: { dtype: 'q2_k', block: 256, bytes: 84 },
  11: { dtype: 'q3_k', block: 256, bytes: 110 },
  12: { dtype: 'q4_k', block: 256, bytes: 144 },
  13: { dtype: 'q5_k', block: 256, bytes: 176 },
  14: { dtype: 'q6_k', block: 256, bytes: 210 },
  15: { dtype: 'q8_k', block: 256, bytes: 292 },
  24: { dtype: 'i8', block: 1, bytes: 1 },
  25: { dtype: 'i16', block: 1, bytes: 2 },
  26: { dtype: 'i32', block: 1, bytes: 4 },
  27: { dtype: 'i64', block: 1, bytes: 8 },
  28: { dtype: 'f64', block: 1, bytes: 8 },
  30: { dtype: 'bf16', block: 1, bytes: 2 },
};

interface GgufEntry extends TensorEntry {
  readonly type: GgmlType;
  readonly offset: number;
  readonly byteLength: number;
}

const GGUF_MAGIC = 0x46554747; // "GGUF" little-endian
const DEFAULT_ALIGNMENT = 32;

/**
 * The largest GGUF header (metadata and tensor infos) read. Real headers are a few MB (a 256k-token vocabulary
 * with its merges is about 20 MB); a length field beyond this is forged and would otherwise make the reader pull
 * the whole file into memory.
 */
export const MAX_GGUF_HEADER_BYTES = 256 << 20;
/** The longest metadata key (the GGUF specification's limit). */
const MAX_KEY_BYTES = 65535;
/** Arrays of arrays deeper than this are refused (llama.cpp writes one level). */
const MAX_ARRAY_DEPTH = 4;
/** The fewest bytes one metadata value of each type takes (strings: their 8-byte length; arrays: type + length). */
const MIN_VALUE_BYTES: Readonly<Record<number, number>> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 8: 8, 9: 12, 10: 8, 11: 8, 12: 8 };

class NeedMore extends Error {
  constructor(readonly bytes: number) {
    super('need more header bytes');
  }
}

/** A cursor over the file's first bytes; running past them asks the caller to re-read more. */
class Cursor {
  pos = 0;
  private readonly dv: DataView;
  private readonly dec = new TextDecoder('utf-8', { fatal: false });
  constructor(
    private readonly buf: Uint8Array,
    private readonly fileSize: number,
    private readonly path: string,
  ) {
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  need(n: number, what: string): void {
    if (this.pos + n <= this.buf.byteLength) return;
    if (this.pos + n > this.fileSize) throw new FormatError(this.path, `GGUF header: ${what} runs past the end of the file (byte ${this.pos + n} of ${this.fileSize}); truncated or corrupt`);
    if (this.pos + n > MAX_GGUF_HEADER_BYTES) {
      throw new FormatError(this.path, `GGUF header: ${what} reaches byte ${this.pos + n}, past the ${MAX_GGUF_HEADER_BYTES} bytes a header may take; a forged length?`);
    }
    throw new NeedMore(this.pos + n);
  }
  /** Bytes of the file after the cursor. */
  get left(): number {
    return this.fileSize - this.pos;
  }
  u8(w: string): number {
    this.need(1, w);
    return this.buf[this.pos++];
  }
  u32(w: string): number {
    this.need(4, w);
    this.pos += 4;
    return this.dv.getUint32(this.pos - 4, true);
  }
  u64(w: string): number {
    const v = this.big(w, false);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new FormatError(this.path, `GGUF header: ${w} ${v} is too large`);
    return Number(v);
  }
  big(w: string, signed: boolean): bigint {
    this.need(8, w);
    this.pos += 8;
    return signed ? this.dv.getBigInt64(this.pos - 8, true) : this.dv.getBigUint64(this.pos - 8, true);
  }
  str(w: string, max = Number.MAX_SAFE_INTEGER): string {
    const n = this.u64(`${w} length`);
    if (n > max) throw new FormatError(this.path, `GGUF header: ${w} has length ${n}, more than ${max} bytes`);
    this.need(n, w);
    this.pos += n;
    return this.dec.decode(this.buf.subarray(this.pos - n, this.pos));
  }
  value(type: number, w: string, depth = 0): GgufValue {
    const dv = this.dv;
    const at = (n: number): number => {
      this.need(n, w);
      this.pos += n;
      return this.pos - n;
    };
    switch (type) {
      case 0: return dv.getUint8(at(1));
      case 1: return dv.getInt8(at(1));
      case 2: return dv.getUint16(at(2), true);
      case 3: return dv.getInt16(at(2), true);
      case 4: return dv.getUint32(at(4), true);
      case 5: return dv.getInt32(at(4), true);
      case 6: return dv.getFloat32(at(4), true);
      case 7: return dv.getUint8(at(1)) !== 0;
      case 8: return this.str(w);
      case 9: {
        const et = this.u32(`${w} array type`);
        const n = this.u64(`${w} array length`);
        const min = MIN_VALUE_BYTES[et];
        if (min === undefined) throw new FormatError(this.path, `GGUF metadata '${w}': unknown array element type ${et}`);
        if (et === 9 && depth + 1 >= MAX_ARRAY_DEPTH) throw new FormatError(this.path, `GGUF metadata '${w}': arrays nested more than ${MAX_ARRAY_DEPTH} deep`);
        if (n * min > this.left) {
          throw new FormatError(this.path, `GGUF metadata '${w}': array length ${n} needs at least ${n * min} bytes, but only ${this.left} remain in the file; truncated or forged`);
        }
        const out: GgufValue[] = [];
        for (let i = 0; i < n; i++) out.push(this.value(et, w, depth + 1));
        return out;
      }
      case 10:
      case 11: {
        const v = this.big(w, type === 11);
        return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
      }
      case 12: return dv.getFloat64(at(8), true);
      default:
        throw new FormatError(this.path, `GGUF metadata '${w}': unknown value type ${type}`);
    }
  }
}

interface Parsed {
  version: number;
  metadata: Record<string, GgufValue>;
  alignment: number;
  dataStart: number;
  infos: { name: string; ne: number[]; type: number; offset: number }[];
}

function parseHeader(c: Cursor, path: string, fileSize: number): Parsed {
  const magic = c.u32('magic');
  if (magic !== GGUF_MAGIC) throw new FormatError(path, `GGUF header: bad magic 0x${magic.toString(16)} (expected "GGUF")`);
  const version = c.u32('version');
  if (version === 1) throw new FormatError(path, 'GGUF header: version 1 is not supported (v2 and v3 are)');
  if (version !== 2 && version !== 3) throw new FormatError(path, `GGUF header: unsupported version ${version}${version > 0xffff ? ' (big-endian file?)' : ''}`);
  const nTensors = c.u64('tensor count');
  const nKv = c.u64('metadata count');
  // each metadata entry takes at least 12 bytes (key length, type), each tensor info at least 24
  if (nKv * 12 + nTensors * 24 > c.left) {
    throw new FormatError(path, `GGUF header: tensor count ${nTensors} and metadata count ${nKv} need at least ${nKv * 12 + nTensors * 24} bytes, but the file has ${c.left} after them; truncated or forged`);
  }
  const metadata: Record<string, GgufValue> = {};
  for (let i = 0; i < nKv; i++) {
    const key = c.str(`metadata key #${i}`, MAX_KEY_BYTES);
    metadata[key] = c.value(c.u32(`type of '${key}'`), key);
  }
  const infos: Parsed['infos'] = [];
  for (let i = 0; i < nTensors; i++) {
    const name = c.str(`tensor name #${i}`, MAX_KEY_BYTES);
    const nd = c.u32(`tensor '${name}' n_dims`);
    if (nd > 4) throw new FormatError(path, `tensor '${name}': ${nd} dims (GGML allows at most 4)`);
    const ne: number[] = [];
    for (let d = 0; d < nd; d++) ne.push(c.u64(`tensor '${name}' dim`));
    const type = c.u32(`tensor '${name}' type`);
    const offset = c.u64(`tensor '${name}' offset`);
    infos.push({ name, ne, type, offset });
  }
  const a = metadata['general.alignment'] ?? DEFAULT_ALIGNMENT;
  if (typeof a !== 'number' || !Number.isInteger(a) || a <= 0 || (a & (a - 1)) !== 0) {
    throw new FormatError(path, `GGUF metadata 'general.alignment' is ${String(a)}, expected a power of two`);
  }
  const dataStart = Math.ceil(c.pos / a) * a;
  return { version, metadata, alignment: a, dataStart, infos };
}

/** A GGUF file opened for range reads. */
export class GgufReader extends BaseReader<GgufEntry> {
  private constructor(
    path: string,
    private readonly file: RangeFile,
    /** GGUF format version (2 or 3). */
    readonly version: number,
    /** The tensor-data alignment in bytes (`general.alignment`, default 32). */
    readonly alignment: number,
    /** Absolute offset of the tensor-data section. */
    readonly dataStart: number,
    /** The metadata key/values (`general.architecture`, `llama.*`, `tokenizer.ggml.*`, ...). */
    override readonly metadata: Readonly<Record<string, GgufValue>>,
  ) {
    super(path, 'gguf', metadata);
  }

  /** Opens a GGUF file: parses the header (re-reading a larger prefix until it fits) and validates tensor ranges. */
  static async open(path: string): Promise<GgufReader> {
    const file = await RangeFile.open(path);
    try {
      let len = Math.min(file.size, 1 << 20);
      let parsed: Parsed;
      for (;;) {
        try {
          parsed = parseHeader(new Cursor(await file.read(0, len, 'GGUF header'), file.size, path), path, file.size);
          break;
        } catch (e) {
          if (!(e instanceof NeedMore)) throw e;
          len = Math.min(file.size, MAX_GGUF_HEADER_BYTES, Math.max(len * 4, e.bytes));
        }
      }
      const r = new GgufReader(path, file, parsed.version, parsed.alignment, parsed.dataStart, parsed.metadata);
      for (const { name, ne, type, offset } of parsed.infos) {
        const t = GGML_TYPES[type];
        if (!t) throw new FormatError(path, `tensor '${name}': unsupported GGML type id ${type}`);
        if (r.entries.has(name)) throw new FormatError(path, `tensor '${name}' appears twice`);
        if ((ne[0] ?? 1) % t.block !== 0) throw new FormatError(path, `tensor '${name}': row length ${ne[0]} is not a multiple of the ${t.dtype} block size ${t.block}`);
        if (offset % parsed.alignment !== 0) throw new FormatError(path, `tensor '${name}': data offset ${offset} is not a multiple of the alignment ${parsed.alignment}`);
        if (ne.some((d) => d > file.size * t.block)) {
          throw new FormatError(path, `tensor '${name}': dims [${ne}] (innermost first) cannot fit in a ${file.size}-byte file`);
        }
        const byteLength = (sizeOf(ne) / t.block) * t.bytes;
        const abs = parsed.dataStart + offset;
        if (abs + byteLength > file.size) {
          throw new FormatError(path, `tensor '${name}': data [${abs}, ${abs + byteLength}) runs past the end of the file (${file.size} bytes); truncated?`);
        }
        r.entries.set(name, { name, dtype: t.dtype, shape: [...ne].reverse(), file: path, type: t, offset: abs, byteLength });
      }
      return r;
    } catch (e) {
      await file.close();
      throw e;
    }
  }

  protected async readEntry(e: GgufEntry): Promise<Float32Array> {
    const n = sizeOf(e.shape);
    const d = e.dtype;
    if (d === 'f32' || d === 'f16' || d === 'bf16' || d === 'f64') {
      return readFloats(this.file, e.offset, d, n, e.name);
    }
    const deq = DEQUANT[d];
    if (!deq) throw notFloatError(this.path, e.name, d);
    const { block, bytes } = e.type;
    const out = new Float32Array(n);
    const nBlocks = n / block;
    const perChunk = Math.max(1, Math.floor(CHUNK_BYTES / bytes));
    for (let b = 0; b < nBlocks; b += perChunk) {
      const k = Math.min(perChunk, nBlocks - b);
      const raw = await this.file.read(e.offset + b * bytes, k * bytes, `tensor '${e.name}'`);
      deq(raw, k, out, b * block);
    }
    return out;
  }

  protected override async span(e: GgufEntry): Promise<{ file: RangeFile; offset: number } | undefined> {
    return e.dtype === 'f32' || e.dtype === 'f16' || e.dtype === 'bf16' || e.dtype === 'f64' ? { file: this.file, offset: e.offset } : undefined;
  }

  protected readRawEntry(e: GgufEntry): Promise<Uint8Array> {
    return this.file.read(e.offset, e.byteLength, `tensor '${e.name}'`);
  }

  async close(): Promise<void> {
    await this.file.close();
  }
}

type Dequant = (raw: Uint8Array, nBlocks: number, out: Float32Array, at: number) => void;

/** Block dequantisers, bit-exact with ggml's reference `dequantize_row_*`. */
const DEQUANT: Partial<Record<CheckpointDType, Dequant>> = {
  q8_0(raw, nb, out, at) {
    const lut = f16Lut();
    for (let b = 0; b < nb; b++) {
      const p = b * 34;
      const d = lut[raw[p] | (raw[p + 1] << 8)];
      const o = at + b * 32;
      for (let j = 0; j < 32; j++) out[o + j] = ((raw[p + 2 + j] << 24) >> 24) * d;
    }
  },
  q4_0(raw, nb, out, at) {
    const lut = f16Lut();
    for (let b = 0; b < nb; b++) {
      const p = b * 18;
      const d = lut[raw[p] | (raw[p + 1] << 8)];
      const o = at + b * 32;
      for (let j = 0; j < 16; j++) {
        const q = raw[p + 2 + j];
        out[o + j] = ((q & 0x0f) - 8) * d;
        out[o + j + 16] = ((q >> 4) - 8) * d;
      }
    }
  },
  q4_1(raw, nb, out, at) {
    const lut = f16Lut();
    for (let b = 0; b < nb; b++) {
      const p = b * 20;
      const d = lut[raw[p] | (raw[p + 1] << 8)];
      const m = lut[raw[p + 2] | (raw[p + 3] << 8)];
      const o = at + b * 32;
      for (let j = 0; j < 16; j++) {
        const q = raw[p + 4 + j];
        out[o + j] = (q & 0x0f) * d + m;
        out[o + j + 16] = (q >> 4) * d + m;
      }
    }
  },
};
