/**
 * Streaming a checkpoint tensor by tensor into one reusable host buffer, so a loader's host memory is the
 * largest tensor (in the device dtype) plus a constant scratch, whatever the model's size.
 */
import { sizeOf } from '@crossedit/core';
import { CHUNK_BYTES } from './convert.js';
import { checkFinite, checkFiniteF16 } from './finite.js';
import { LOAD_BYTES, overflowError, type LoadArray, type LoadDType } from './read-as.js';
import { readTensorAs, storedBytesOf } from './read-tensor.js';
import type { CheckpointReader, TensorEntry } from './types.js';

/** A tensor to stream: its checkpoint name, the shape it must have, and its dtype when not the stream's. */
export interface StreamRequest {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype?: LoadDType;
}

/** Options of {@link streamTensors}. */
export interface StreamTensorsOptions {
  /** The dtype the values are read as (the device storage dtype), unless a request says otherwise. */
  dtype: LoadDType;
  /** Reject NaN and ±Infinity (default true; the error names file, tensor, element and count). */
  checkFinite?: boolean;
  /** After each tensor: stored bytes read so far, the stored bytes of all requested tensors, the tensor's name. */
  onProgress?: (doneBytes: number, totalBytes: number, name: string) => void;
}

/** What {@link streamTensors} did. */
export interface StreamStats {
  /** Stored bytes read from the files. */
  storedBytes: number;
  /** Bytes of the reusable host buffer (the largest tensor in the load dtype). */
  hostBufferBytes: number;
  /** Tensors streamed. */
  tensors: number;
}

/**
 * Reads `requests` in the checkpoint's listing order (file order within a file) into one reusable buffer, and
 * calls `sink` with each tensor's values before reading the next. The values are a view of that buffer: the
 * sink must copy them (an upload does) before it returns. Values past f16's range, NaN and infinities are a
 * `FormatError` naming the file, tensor and element.
 *
 * @example
 * ```ts
 * await streamTensors(ckpt, plan, { dtype: 'f16', onProgress: (d, t) => bar.update(d) }, (entry, data) => {
 *   weights.set(entry.name, upload(data, entry.shape));
 * });
 * ```
 */
export async function streamTensors(
  reader: CheckpointReader,
  requests: readonly StreamRequest[],
  opts: StreamTensorsOptions,
  sink: (entry: TensorEntry, data: LoadArray) => void | Promise<void>,
): Promise<StreamStats> {
  const wanted = new Map(requests.map((r) => [r.name, r]));
  const order = reader
    .list()
    .map((e) => e.name)
    .filter((n) => wanted.has(n));
  if (order.length < wanted.size) for (const r of requests) reader.entry(r.name); // throws naming the missing one
  let largest = 0;
  let total = 0;
  for (const n of order) {
    const e = reader.entry(n);
    largest = Math.max(largest, sizeOf(e.shape) * LOAD_BYTES[wanted.get(n)!.dtype ?? opts.dtype]);
    total += storedBytesOf(e);
  }
  const into = new ArrayBuffer(largest);
  const scratch = new Uint8Array(CHUNK_BYTES);
  let done = 0;
  for (const n of order) {
    const r = wanted.get(n)!;
    const e = reader.entry(n);
    const got = await readTensorAs(reader, n, r.dtype ?? opts.dtype, { shape: r.shape, into, scratch });
    if (got.overflow.count) throw overflowError(e.file, n, e.shape, got.overflow);
    if (opts.checkFinite ?? true) {
      if (got.data instanceof Float32Array) checkFinite(got.data, e.file, n, e.shape);
      else checkFiniteF16(got.data, e.file, n, e.shape);
    }
    await sink(e, got.data);
    done += got.storedBytes;
    opts.onProgress?.(done, total, n);
  }
  return { storedBytes: done, hostBufferBytes: largest, tensors: order.length };
}
