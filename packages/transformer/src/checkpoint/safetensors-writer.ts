/** Writes safetensors files (edited weights, deltas, statistics artifacts), one tensor in memory at a time. */
import { promises as fsp } from 'node:fs';
import { ShapeError, fmtShape, sizeOf } from '@crossedit/core';
import { CHUNK_BYTES, STORAGE_BYTES, encodeFloats, type WritableDType } from './convert.js';

/** One tensor to write. */
export interface SafetensorsTensor {
  /** Unique tensor name (not `__metadata__`). */
  name: string;
  /** Row-major shape. */
  shape: readonly number[];
  /** Stored dtype; values are rounded to nearest even for f16/bf16. */
  dtype: WritableDType;
  /**
   * The values (`shape`'s product of them), or a function producing them when the writer reaches this tensor,
   * so a caller can stream tensors (e.g. download one from the GPU at a time).
   */
  data: ArrayLike<number> | (() => ArrayLike<number> | Promise<ArrayLike<number>>) | RawTensorSource;
}

/**
 * A tensor's stored bytes produced chunk by chunk (little-endian elements of the tensor's dtype, row-major),
 * so a writer's memory is one chunk whatever the tensor's size. The chunks must add up to the tensor's size.
 */
export interface RawTensorSource {
  raw: () => Iterable<Uint8Array> | AsyncIterable<Uint8Array>;
}

function isRaw(d: SafetensorsTensor['data']): d is RawTensorSource {
  return typeof d === 'object' && d !== null && 'raw' in d && typeof (d as RawTensorSource).raw === 'function';
}

const NAMES: Record<WritableDType, string> = { f32: 'F32', f16: 'F16', bf16: 'BF16' };

/**
 * Writes tensors to a safetensors file (atomically: a temporary file renamed into place).
 * The header is padded with spaces to an 8-byte boundary, as the reference implementation does.
 *
 * @example
 * ```ts
 * await writeSafetensors('delta.safetensors', [
 *   { name: 'model.layers.5.mlp.down_proj.weight', shape: [4096, 11008], dtype: 'f32', data: delta },
 * ], { method: 'ROME' });
 * ```
 */
export async function writeSafetensors(
  path: string,
  tensors: readonly SafetensorsTensor[],
  metadata?: Readonly<Record<string, string>>,
): Promise<void> {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) header.__metadata__ = { ...metadata };
  let offset = 0;
  for (const t of tensors) {
    if (t.name === '__metadata__' || t.name in header) throw new ShapeError(`writeSafetensors(${path}): duplicate or reserved tensor name '${t.name}'`);
    if (!NAMES[t.dtype]) throw new ShapeError(`writeSafetensors(${path}): tensor '${t.name}' has unsupported dtype ${String(t.dtype)} (f32, f16, bf16)`);
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new ShapeError(`writeSafetensors(${path}): tensor '${t.name}' has an invalid shape ${fmtShape(t.shape)}`);
    }
    const bytes = sizeOf(t.shape) * STORAGE_BYTES[t.dtype];
    header[t.name] = { dtype: NAMES[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  let jsonBytes = new TextEncoder().encode(json);
  const pad = (8 - (jsonBytes.byteLength % 8)) % 8;
  if (pad) jsonBytes = new TextEncoder().encode((json += ' '.repeat(pad)));
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(jsonBytes.byteLength), true);

  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  const fh = await fsp.open(tmp, 'w');
  try {
    await fh.write(prefix);
    await fh.write(jsonBytes);
    for (const t of tensors) {
      const n = sizeOf(t.shape);
      if (isRaw(t.data)) {
        const want = n * STORAGE_BYTES[t.dtype];
        let got = 0;
        for await (const chunk of t.data.raw()) {
          got += chunk.byteLength;
          if (got > want) break;
          await fh.write(chunk);
        }
        if (got !== want) throw new ShapeError(`writeSafetensors(${path}): tensor '${t.name}' ${fmtShape(t.shape)} of ${t.dtype} needs ${want} bytes, its raw source gave ${got > want ? 'more' : got}`);
        continue;
      }
      const data = typeof t.data === 'function' ? await t.data() : t.data;
      if (data.length !== n) {
        throw new ShapeError(`writeSafetensors(${path}): tensor '${t.name}' has ${data.length} values, shape ${fmtShape(t.shape)} needs ${n}`);
      }
      const per = Math.floor(CHUNK_BYTES / STORAGE_BYTES[t.dtype]);
      for (let i = 0; i < n; i += per) await fh.write(encodeFloats(t.dtype, data, i, Math.min(per, n - i)));
    }
    await fh.close();
    await fsp.rename(tmp, path);
  } catch (e) {
    await fh.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true });
    throw e;
  }
}
