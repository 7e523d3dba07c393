/** Positional reads from a file without loading it whole. */
import { promises as fsp } from 'node:fs';
import { FormatError } from '@crossedit/core';

const MAX_READ = 1 << 30;

/** An open file read by byte ranges (`pread`), safe for concurrent reads. */
export class RangeFile {
  private constructor(
    /** The file's path (used in error messages). */
    readonly path: string,
    private readonly handle: fsp.FileHandle,
    /** The file's size in bytes. */
    readonly size: number,
  ) {}

  /** Opens a file for range reads; a missing file is a `FormatError`. */
  static async open(path: string): Promise<RangeFile> {
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(path, 'r');
    } catch (e) {
      throw new FormatError(path, `cannot open checkpoint file (${(e as Error).message})`);
    }
    const st = await handle.stat();
    return new RangeFile(path, handle, st.size);
  }

  /** Reads `length` bytes at `offset` into a new buffer; reading past the end is a `FormatError`. */
  async read(offset: number, length: number, what = 'data'): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    await this.readInto(out, offset, what);
    return out;
  }

  /** Fills `target` with the bytes at `offset`; reading past the end is a `FormatError`. */
  async readInto(target: Uint8Array, offset: number, what = 'data'): Promise<void> {
    if (offset < 0 || offset + target.byteLength > this.size) {
      throw new FormatError(
        this.path,
        `${what}: bytes [${offset}, ${offset + target.byteLength}) lie outside the file (size ${this.size}); truncated file?`,
      );
    }
    let done = 0;
    while (done < target.byteLength) {
      const len = Math.min(MAX_READ, target.byteLength - done);
      const { bytesRead } = await this.handle.read(target, done, len, offset + done);
      if (bytesRead === 0) throw new FormatError(this.path, `${what}: unexpected end of file at byte ${offset + done}`);
      done += bytesRead;
    }
  }

  /** Closes the handle (idempotent). */
  async close(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }
}
