/** Streaming raw-deflate inflation into a buffer of a declared size, refusing any other size (zip bombs). */
import { createInflateRaw } from 'node:zlib';
import { FormatError } from '@crossedit/core';
import type { RangeFile } from './range-file.js';

/** Compressed bytes read from the file per step. */
const READ_CHUNK = 1 << 20;

/**
 * Inflates the raw-deflate bytes `[offset, offset + compressedSize)` of `file` into a new buffer of exactly
 * `declared` bytes. The compressed bytes are read and inflated chunk by chunk, so memory stays at `declared`
 * plus about a megabyte whatever the stream would expand to; inflation stops as soon as the output would pass
 * `declared`. An output of another size, or a corrupt stream, is a `FormatError` naming the file and `what`
 * with the declared and actual sizes.
 */
export async function inflateCapped(file: RangeFile, offset: number, compressedSize: number, declared: number, what: string): Promise<Uint8Array> {
  const out = new Uint8Array(declared);
  let produced = 0;
  let overflow = false;
  const inflate = createInflateRaw({ chunkSize: 64 << 10 });
  const done = new Promise<void>((resolve, reject) => {
    inflate.on('data', (chunk: Buffer) => {
      if (overflow) return;
      if (produced + chunk.length > declared) {
        overflow = true;
        produced += chunk.length;
        inflate.destroy();
        resolve();
        return;
      }
      out.set(chunk, produced);
      produced += chunk.length;
    });
    inflate.on('end', resolve);
    inflate.on('close', resolve);
    inflate.on('error', (e) => (overflow ? resolve() : reject(e)));
  });
  done.catch(() => undefined); // awaited below; an early error must not be an unhandled rejection meanwhile
  try {
    for (let at = 0; at < compressedSize && !overflow && !inflate.destroyed; at += READ_CHUNK) {
      const chunk = await file.read(offset + at, Math.min(READ_CHUNK, compressedSize - at), what);
      if (!inflate.write(chunk)) await new Promise<void>((r) => (inflate.destroyed ? r() : inflate.once('drain', r).once('close', r)));
    }
    if (!overflow && !inflate.destroyed) inflate.end();
    await done;
  } catch (e) {
    inflate.destroy();
    if (e instanceof FormatError) throw e;
    throw new FormatError(file.path, `${what}: corrupt deflate stream (${(e as Error).message})`);
  }
  if (overflow) {
    throw new FormatError(
      file.path,
      `${what} inflates past the ${declared} bytes its central directory entry declares (stopped after ${produced} bytes); refusing a zip bomb or corrupt archive`,
    );
  }
  if (produced !== declared) {
    throw new FormatError(file.path, `${what} inflates to ${produced} bytes, but its central directory entry declares ${declared}`);
  }
  return out;
}
