/** A minimal ZIP reader for torch.save archives: central directory, zip64, stored and deflated entries. */
import { FormatError } from '@crossedit/core';
import { inflateCapped } from './inflate.js';
import type { RangeFile } from './range-file.js';

/** One member of a ZIP archive. */
export interface ZipEntry {
  readonly name: string;
  /** 0 = stored, 8 = deflated. */
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
}

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CDH_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
/** Deflate's largest possible expansion (258-byte matches coded in ~2 bits): about 1032:1. */
const MAX_DEFLATE_RATIO = 1032;

function u64(dv: DataView, at: number, file: string, what: string): number {
  const v = dv.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new FormatError(file, `zip: ${what} ${v} is too large`);
  return Number(v);
}

/** The central directory of a ZIP file read by ranges; member data is located through each local header. */
export class ZipReader {
  private readonly dataOffsets = new Map<string, number>();

  private constructor(
    private readonly file: RangeFile,
    /** Members by name, in central-directory order. */
    readonly entries: ReadonlyMap<string, ZipEntry>,
  ) {}

  /** Reads the end-of-central-directory record (zip64 when present) and the central directory. */
  static async open(file: RangeFile): Promise<ZipReader> {
    const path = file.path;
    const tailLen = Math.min(file.size, 22 + 0xffff + 20);
    const tailStart = file.size - tailLen;
    const tail = await file.read(tailStart, tailLen, 'zip end of central directory');
    const tv = new DataView(tail.buffer);
    let eocd = -1;
    for (let i = tailLen - 22; i >= 0; i--) {
      if (tv.getUint32(i, true) === EOCD_SIG) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new FormatError(path, 'zip: no end-of-central-directory record; not a zip archive or truncated');
    let count = tv.getUint16(eocd + 10, true);
    let cdSize = tv.getUint32(eocd + 12, true);
    let cdOffset = tv.getUint32(eocd + 16, true);
    const loc = eocd - 20;
    if (loc >= 0 && tv.getUint32(loc, true) === ZIP64_LOCATOR_SIG) {
      const recOffset = u64(tv, loc + 8, path, 'zip64 record offset');
      const rec = await file.read(recOffset, 56, 'zip64 end of central directory');
      const rv = new DataView(rec.buffer);
      if (rv.getUint32(0, true) !== ZIP64_EOCD_SIG) throw new FormatError(path, `zip: bad zip64 end-of-central-directory signature at ${recOffset}`);
      count = u64(rv, 32, path, 'entry count');
      cdSize = u64(rv, 40, path, 'central directory size');
      cdOffset = u64(rv, 48, path, 'central directory offset');
    } else if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      throw new FormatError(path, 'zip: zip64 values without a zip64 locator');
    }
    if (cdOffset + cdSize > file.size) throw new FormatError(path, `zip: central directory [${cdOffset}, ${cdOffset + cdSize}) lies outside the file; truncated?`);
    const cd = await file.read(cdOffset, cdSize, 'zip central directory');
    const dv = new DataView(cd.buffer);
    const dec = new TextDecoder();
    const entries = new Map<string, ZipEntry>();
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cdSize || dv.getUint32(p, true) !== CDH_SIG) throw new FormatError(path, `zip: bad central directory entry #${i}`);
      const flags = dv.getUint16(p + 8, true);
      const method = dv.getUint16(p + 10, true);
      let compressedSize = dv.getUint32(p + 20, true);
      let size = dv.getUint32(p + 24, true);
      const nameLen = dv.getUint16(p + 28, true);
      const extraLen = dv.getUint16(p + 30, true);
      const commentLen = dv.getUint16(p + 32, true);
      let localHeaderOffset = dv.getUint32(p + 42, true);
      const name = dec.decode(cd.subarray(p + 46, p + 46 + nameLen));
      let e = p + 46 + nameLen;
      const extraEnd = e + extraLen;
      while (e + 4 <= extraEnd) {
        const id = dv.getUint16(e, true);
        const len = dv.getUint16(e + 2, true);
        if (id === 0x0001) {
          let q = e + 4;
          if (size === 0xffffffff) (size = u64(dv, q, path, 'size')), (q += 8);
          if (compressedSize === 0xffffffff) (compressedSize = u64(dv, q, path, 'size')), (q += 8);
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = u64(dv, q, path, 'offset');
        }
        e += 4 + len;
      }
      if (flags & 1) throw new FormatError(path, `zip: member '${name}' is encrypted`);
      entries.set(name, { name, method, compressedSize, size, localHeaderOffset });
      p = extraEnd + commentLen;
    }
    return new ZipReader(file, entries);
  }

  /** The absolute file offset of a member's data (parsed from its local header, cached). */
  async dataOffset(entry: ZipEntry): Promise<number> {
    let off = this.dataOffsets.get(entry.name);
    if (off === undefined) {
      const h = new DataView((await this.file.read(entry.localHeaderOffset, 30, `zip local header of '${entry.name}'`)).buffer);
      if (h.getUint32(0, true) !== LOCAL_SIG) throw new FormatError(this.file.path, `zip: bad local header signature for member '${entry.name}'`);
      off = entry.localHeaderOffset + 30 + h.getUint16(26, true) + h.getUint16(28, true);
      if (off + entry.compressedSize > this.file.size) {
        throw new FormatError(this.file.path, `zip: member '${entry.name}' runs past the end of the file; truncated?`);
      }
      this.dataOffsets.set(entry.name, off);
    }
    return off;
  }

  /**
   * Reads a whole member. A deflated one is inflated as a stream into a buffer of the size the central
   * directory declares, and refused as soon as it would grow past it (a zip bomb) or when it ends short.
   *
   * @param maxSize the largest member accepted (its declared size is checked before anything is read)
   */
  async read(entry: ZipEntry, maxSize = Number.MAX_SAFE_INTEGER): Promise<Uint8Array> {
    const path = this.file.path;
    const what = `zip member '${entry.name}'`;
    if (entry.size > maxSize) {
      throw new FormatError(path, `${what}: the central directory declares ${entry.size} bytes, more than the ${maxSize} bytes such a member may have`);
    }
    if (entry.method !== 0 && entry.method !== 8) {
      throw new FormatError(path, `${what} uses compression method ${entry.method} (only stored and deflate)`);
    }
    if (entry.method === 0 && entry.size !== entry.compressedSize) {
      throw new FormatError(path, `${what} is stored, but the central directory declares ${entry.size} bytes and ${entry.compressedSize} compressed`);
    }
    if (entry.method === 8 && entry.size > entry.compressedSize * MAX_DEFLATE_RATIO + 1024) {
      throw new FormatError(
        path,
        `${what}: the central directory declares ${entry.size} bytes from ${entry.compressedSize} compressed; deflate cannot expand more than ${MAX_DEFLATE_RATIO}:1 (corrupt or forged header)`,
      );
    }
    const off = await this.dataOffset(entry);
    if (entry.method === 0) return this.file.read(off, entry.compressedSize, what);
    return inflateCapped(this.file, off, entry.compressedSize, entry.size, what);
  }
}
