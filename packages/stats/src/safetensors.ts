/**
 * A minimal safetensors writer and reader for the statistics artifacts: an 8-byte little-endian header
 * length, a JSON header (`{name: {dtype, shape, data_offsets}, __metadata__: {..}}`), then the raw
 * little-endian data. Only `F32` and `F64` tensors are written or read here.
 */
import { open, rename } from 'node:fs/promises';
import { FormatError } from '@crossedit/core';

/** The float formats the artifacts use. */
export type SafeDType = 'F32' | 'F64';

/** One tensor to write or that was read. */
export interface SafeTensor {
  dtype: SafeDType;
  shape: number[];
  data: Float32Array | Float64Array;
}

/** A parsed header: tensor entries and the string metadata. */
export interface SafeHeader {
  tensors: Record<string, { dtype: string; shape: number[]; offsets: [number, number] }>;
  metadata: Record<string, string>;
  /** Byte offset of the data section in the file. */
  dataStart: number;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function bytesOf(dtype: SafeDType): number {
  return dtype === 'F32' ? 4 : 8;
}

/**
 * Writes tensors and string metadata to `path` (atomically replacing it). Data is streamed in pieces, so
 * gigabyte-sized matrices are not copied into one buffer.
 *
 * @example
 * ```ts
 * await writeSafetensors('c.safetensors', { mom2: { dtype: 'F32', shape: [2, 2], data } }, { layer: '5' });
 * ```
 */
export async function writeSafetensors(path: string, tensors: Record<string, SafeTensor>, metadata: Record<string, string> = {}): Promise<void> {
  if (!LITTLE_ENDIAN) throw new Error('writeSafetensors: big-endian hosts are not supported');
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  const order = Object.keys(tensors);
  for (const name of order) {
    const t = tensors[name];
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== n) throw new FormatError(path, `tensor '${name}': ${t.data.length} values for shape [${t.shape}]`);
    const want = t.dtype === 'F32' ? Float32Array : Float64Array;
    if (!(t.data instanceof want)) throw new FormatError(path, `tensor '${name}': dtype ${t.dtype} needs a ${want.name}`);
    const len = n * bytesOf(t.dtype);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + len] };
    offset += len;
  }
  let json = JSON.stringify(header);
  while ((8 + Buffer.byteLength(json)) % 8 !== 0) json += ' ';
  const hbytes = Buffer.from(json, 'utf8');
  // write beside the target and rename, so an interrupted write never leaves a truncated artifact
  const tmp = `${path}.tmp-${process.pid}`;
  const fh = await open(tmp, 'w');
  try {
    const lenBuf = Buffer.alloc(8);
    lenBuf.writeBigUInt64LE(BigInt(hbytes.length));
    await fh.write(lenBuf);
    await fh.write(hbytes);
    const piece = 1 << 24;
    for (const name of order) {
      const d = tensors[name].data;
      const bytes = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
      for (let at = 0; at < bytes.length; at += piece) await fh.write(bytes.subarray(at, Math.min(bytes.length, at + piece)));
    }
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}

/** Reads only the header of a safetensors file. */
export async function readSafetensorsHeader(path: string): Promise<SafeHeader> {
  const fh = await open(path, 'r');
  try {
    const lenBuf = Buffer.alloc(8);
    const { bytesRead } = await fh.read(lenBuf, 0, 8, 0);
    if (bytesRead !== 8) throw new FormatError(path, 'file is shorter than the 8-byte header length');
    const hlen = Number(lenBuf.readBigUInt64LE());
    const { size } = await fh.stat();
    if (hlen <= 0 || 8 + hlen > size) throw new FormatError(path, `header length ${hlen} does not fit the file size ${size}`);
    const hbuf = Buffer.alloc(hlen);
    await fh.read(hbuf, 0, hlen, 8);
    return parseHeader(path, hbuf.toString('utf8'), 8 + hlen, size);
  } finally {
    await fh.close();
  }
}

function parseHeader(path: string, text: string, dataStart: number, fileSize: number): SafeHeader {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new FormatError(path, `header is not JSON (${(e as Error).message})`);
  }
  const metadata: Record<string, string> = {};
  const tensors: SafeHeader['tensors'] = {};
  for (const [name, v] of Object.entries(raw)) {
    if (name === '__metadata__') {
      for (const [k, s] of Object.entries((v ?? {}) as Record<string, unknown>)) metadata[k] = String(s);
      continue;
    }
    const e = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e.dtype !== 'string' || !Array.isArray(e.shape) || !Array.isArray(e.data_offsets) || e.data_offsets.length !== 2) {
      throw new FormatError(path, `tensor '${name}': expected {dtype, shape, data_offsets}`);
    }
    const offsets = e.data_offsets as [number, number];
    if (dataStart + offsets[1] > fileSize) throw new FormatError(path, `tensor '${name}': data_offsets ${offsets} run past the end of the file`);
    tensors[name] = { dtype: e.dtype, shape: e.shape as number[], offsets };
  }
  return { tensors, metadata, dataStart };
}

/**
 * Reads tensors (F32/F64; all of them, or those in `names`) and the metadata of a safetensors file.
 * Each tensor is read straight into its own typed array, so files larger than a Node buffer work.
 */
export async function readSafetensors(path: string, names?: readonly string[]): Promise<{ tensors: Record<string, SafeTensor>; metadata: Record<string, string> }> {
  const h = await readSafetensorsHeader(path);
  const tensors: Record<string, SafeTensor> = {};
  const fh = await open(path, 'r');
  try {
    for (const name of names ?? Object.keys(h.tensors)) {
      const e = h.tensors[name];
      if (!e) throw new FormatError(path, `no tensor '${name}' (has: ${Object.keys(h.tensors).join(', ')})`);
      if (e.dtype !== 'F32' && e.dtype !== 'F64') throw new FormatError(path, `tensor '${name}': dtype ${e.dtype}, expected F32 or F64`);
      const n = e.shape.reduce((a, b) => a * b, 1);
      const bytes = n * bytesOf(e.dtype);
      if (e.offsets[1] - e.offsets[0] !== bytes) {
        throw new FormatError(path, `tensor '${name}': ${e.offsets[1] - e.offsets[0]} bytes for shape [${e.shape}] ${e.dtype}`);
      }
      const data = e.dtype === 'F32' ? new Float32Array(n) : new Float64Array(n);
      const view = new Uint8Array(data.buffer);
      const piece = 1 << 26;
      for (let at = 0; at < bytes; at += piece) {
        const len = Math.min(piece, bytes - at);
        const { bytesRead } = await fh.read(view, at, len, h.dataStart + e.offsets[0] + at);
        if (bytesRead !== len) throw new FormatError(path, `tensor '${name}': file ends inside its data`);
      }
      tensors[name] = { dtype: e.dtype, shape: e.shape, data };
    }
  } finally {
    await fh.close();
  }
  return { tensors, metadata: h.metadata };
}
