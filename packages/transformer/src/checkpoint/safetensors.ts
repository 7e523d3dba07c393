/** The safetensors reader: an 8-byte little-endian header length, a JSON header, then the raw tensor bytes. */
import { FormatError, sizeOf, type StorageDType } from '@crossedit/core';
import { BaseReader } from './base-reader.js';
import { STORAGE_BYTES, readFloats } from './convert.js';
import { RangeFile } from './range-file.js';
import type { TensorEntry } from './types.js';

/** safetensors dtype names → storage dtypes (the ones this reader accepts). */
export const SAFETENSORS_DTYPES: Readonly<Record<string, StorageDType>> = {
  F64: 'f64',
  F32: 'f32',
  F16: 'f16',
  BF16: 'bf16',
  I64: 'i64',
  I32: 'i32',
  I16: 'i16',
  I8: 'i8',
  U8: 'u8',
  BOOL: 'bool',
};

/** Largest header accepted (the format's own limit is 100 MB). */
const MAX_HEADER = 100_000_000;

interface SafetensorsEntry extends TensorEntry {
  readonly dtype: StorageDType;
  /** Absolute byte offset of the tensor's data in the file. */
  readonly offset: number;
  readonly byteLength: number;
}

function isUint(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** A single `.safetensors` file opened for range reads. */
export class SafetensorsReader extends BaseReader<SafetensorsEntry> {
  private constructor(
    path: string,
    private readonly file: RangeFile,
    metadata: Record<string, string>,
  ) {
    super(path, 'safetensors', metadata);
  }

  /** Opens a file and validates its header (lengths, JSON, dtypes, shapes, data offsets). */
  static async open(path: string): Promise<SafetensorsReader> {
    const file = await RangeFile.open(path);
    try {
      return await SafetensorsReader.parse(path, file);
    } catch (e) {
      await file.close();
      throw e;
    }
  }

  private static async parse(path: string, file: RangeFile): Promise<SafetensorsReader> {
    if (file.size < 8) throw new FormatError(path, `safetensors header: file is ${file.size} bytes, shorter than the 8-byte length prefix`);
    const len = new DataView((await file.read(0, 8, 'safetensors header length')).buffer).getBigUint64(0, true);
    if (len > BigInt(Math.min(MAX_HEADER, file.size - 8))) {
      throw new FormatError(path, `safetensors header: length ${len} exceeds the file (${file.size} bytes) or the 100 MB limit; not a safetensors file or truncated`);
    }
    const headerLen = Number(len);
    const text = new TextDecoder('utf-8', { fatal: false }).decode(await file.read(8, headerLen, 'safetensors header'));
    let header: unknown;
    try {
      header = JSON.parse(text);
    } catch (e) {
      throw new FormatError(path, `safetensors header: not valid JSON (${(e as Error).message})`);
    }
    if (typeof header !== 'object' || header === null || Array.isArray(header)) {
      throw new FormatError(path, 'safetensors header: expected a JSON object of tensors');
    }
    const dataStart = 8 + headerLen;
    const dataSize = file.size - dataStart;
    const metadata: Record<string, string> = {};
    const entries: SafetensorsEntry[] = [];
    for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
      if (name === '__metadata__') {
        if (typeof raw !== 'object' || raw === null) throw new FormatError(path, 'safetensors header: __metadata__ must be an object of strings');
        for (const [k, v] of Object.entries(raw)) metadata[k] = String(v);
        continue;
      }
      const info = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      const where = `tensor '${name}'`;
      if (typeof info !== 'object' || info === null) throw new FormatError(path, `${where}: header entry must be an object`);
      const dtype = typeof info.dtype === 'string' ? SAFETENSORS_DTYPES[info.dtype] : undefined;
      if (!dtype) {
        throw new FormatError(path, `${where}: unsupported dtype ${JSON.stringify(info.dtype)} (expected one of ${Object.keys(SAFETENSORS_DTYPES).join(', ')})`);
      }
      if (!Array.isArray(info.shape) || !info.shape.every(isUint)) {
        throw new FormatError(path, `${where}: shape must be an array of non-negative integers, got ${JSON.stringify(info.shape)}`);
      }
      const offs = info.data_offsets;
      if (!Array.isArray(offs) || offs.length !== 2 || !isUint(offs[0]) || !isUint(offs[1]) || offs[1] < offs[0]) {
        throw new FormatError(path, `${where}: data_offsets must be [begin, end] with 0 <= begin <= end, got ${JSON.stringify(offs)}`);
      }
      if (offs[1] > dataSize) {
        throw new FormatError(path, `${where}: data_offsets ${JSON.stringify(offs)} run past the end of the data (${dataSize} bytes); truncated file?`);
      }
      const shape = info.shape as number[];
      const expected = sizeOf(shape) * STORAGE_BYTES[dtype];
      if (offs[1] - offs[0] !== expected) {
        throw new FormatError(path, `${where}: data_offsets span ${offs[1] - offs[0]} bytes but shape [${shape.join(',')}] of ${info.dtype} needs ${expected}`);
      }
      entries.push({ name, dtype, shape, file: path, offset: dataStart + offs[0], byteLength: expected });
    }
    const sorted = [...entries].sort((a, b) => a.offset - b.offset);
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i].offset < sorted[i - 1].offset + sorted[i - 1].byteLength) {
        throw new FormatError(path, `tensor '${sorted[i].name}': data overlaps tensor '${sorted[i - 1].name}'`);
      }
    }
    const reader = new SafetensorsReader(path, file, metadata);
    for (const e of sorted) reader.entries.set(e.name, e);
    return reader;
  }

  protected readEntry(e: SafetensorsEntry): Promise<Float32Array> {
    return readFloats(this.file, e.offset, e.dtype, sizeOf(e.shape), e.name);
  }

  protected override async span(e: SafetensorsEntry): Promise<{ file: RangeFile; offset: number }> {
    return { file: this.file, offset: e.offset };
  }

  protected readRawEntry(e: SafetensorsEntry): Promise<Uint8Array> {
    return this.file.read(e.offset, e.byteLength, `tensor '${e.name}'`);
  }

  async close(): Promise<void> {
    await this.file.close();
  }
}
