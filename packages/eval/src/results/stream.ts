/**
 * The two on-disk forms of a results stream: length-delimited protobuf (`results.binpb`) and JSON Lines
 * (`results.jsonl`). Every entry carries a CRC-32 of its binary encoding (`checksum`, written last in
 * the frame), so a flipped byte is found. Parsers tolerate a torn last entry (an interrupted append)
 * and report it; the scanners also report damaged entries instead of throwing, for repair on resume.
 */
import { clone, fromBinary, fromJsonString, toBinary, toJsonString } from '@bufbuild/protobuf';
import { sizeDelimitedPeek } from '@bufbuild/protobuf/wire';
import { FormatError, crc32 } from '@crossedit/core';
import { StreamEntrySchema, type StreamEntry } from './gen/crossedit/v1/results_pb.js';

/** Entries read from a file, and how many bytes of it are whole entries. */
export interface ParsedStream {
  entries: StreamEntry[];
  /** Length of the prefix made of whole entries; the rest (if any) is a torn last entry. */
  validBytes: number;
  /** The file ends with a torn entry (or zero fill) after `validBytes`. */
  truncated: boolean;
}

/** One entry as found by a scanner: decoded and checked, or damaged with the reason. */
export interface ScannedEntry {
  /** The entry, when it decoded (even if its checksum failed). */
  entry?: StreamEntry;
  /** Decoded, and its checksum matches (or it predates checksums). */
  ok: boolean;
  /** What is wrong, when not `ok`. */
  problem?: string;
  /** Byte offset (binpb) or 1-based line number (jsonl). */
  at: number;
}

/** What a scanner found. */
export interface ScannedStream {
  entries: ScannedEntry[];
  /** Bytes (binpb) or characters' bytes (jsonl) of whole entries. */
  validBytes: number;
  truncated: boolean;
  /** The protobuf file could not be followed past this byte (a damaged length prefix); nothing after it was read. */
  stoppedAt?: number;
}

const CHECKSUM_TAG = (15 << 3) | 5; // field 15, wire type fixed32

function withoutChecksum(entry: StreamEntry): StreamEntry {
  if (entry.checksum === undefined) return entry;
  const c = clone(StreamEntrySchema, entry);
  c.checksum = undefined;
  return c;
}

/** The checksum of an entry: CRC-32 of its binary encoding without the `checksum` field. */
export function entryChecksum(entry: StreamEntry): number {
  return crc32(toBinary(StreamEntrySchema, withoutChecksum(entry)));
}

/** The entry with its checksum set. */
export function sealEntry(entry: StreamEntry): StreamEntry {
  const c = clone(StreamEntrySchema, entry);
  c.checksum = entryChecksum(entry);
  return c;
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

/** One entry as a length-delimited frame: the entry's bytes, then its checksum (field 15, fixed32). */
export function encodeFrame(entry: StreamEntry): Uint8Array {
  const body = toBinary(StreamEntrySchema, withoutChecksum(entry));
  const sum = crc32(body);
  const len = varint(body.length + 5);
  const out = new Uint8Array(len.length + body.length + 5);
  out.set(len, 0);
  out.set(body, len.length);
  const o = len.length + body.length;
  out[o] = CHECKSUM_TAG;
  new DataView(out.buffer).setUint32(o + 1, sum, true);
  return out;
}

/** One entry as a JSON line (with the newline), checksum included. Fields with default values are written too. */
export function encodeJsonLine(entry: StreamEntry): string {
  return toJsonString(StreamEntrySchema, sealEntry(entry), { alwaysEmitImplicit: true }) + '\n';
}

function allZero(bytes: Uint8Array, from: number): boolean {
  for (let i = from; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** Checks a frame payload's trailing checksum against its bytes; null when fine or absent. */
function frameProblem(payload: Uint8Array, entry: StreamEntry): string | null {
  if (entry.checksum === undefined) return null; // written before checksums existed
  const n = payload.length;
  if (n >= 5 && payload[n - 5] === CHECKSUM_TAG) {
    const stored = new DataView(payload.buffer, payload.byteOffset + n - 4, 4).getUint32(0, true);
    if (stored === entry.checksum && crc32(payload.subarray(0, n - 5)) === stored) return null;
  } else if (entryChecksum(entry) === entry.checksum) return null;
  return `checksum mismatch (stored ${entry.checksum.toString(16).padStart(8, '0')}, bytes give ${crc32(payload.subarray(0, Math.max(0, n - 5))).toString(16).padStart(8, '0')})`;
}

/**
 * Scans a length-delimited stream without throwing: each whole frame is decoded and its checksum
 * checked; a frame that does not decode ends the scan (`stoppedAt`), since its length may be damaged.
 */
export function scanFrames(bytes: Uint8Array): ScannedStream {
  const entries: ScannedEntry[] = [];
  let off = 0;
  while (off < bytes.length) {
    let peek: ReturnType<typeof sizeDelimitedPeek>;
    try {
      peek = sizeDelimitedPeek(bytes.subarray(off));
    } catch {
      return { entries, validBytes: off, truncated: false, stoppedAt: off };
    }
    if (peek.eof || off + peek.offset + peek.size > bytes.length) {
      if (allZero(bytes, off)) return { entries, validBytes: off, truncated: true };
      // a frame running past the end is a torn last append, unless whole frames could follow (damage)
      return { entries, validBytes: off, truncated: true };
    }
    const start = off + peek.offset;
    const end = start + peek.size;
    const payload = bytes.subarray(start, end);
    let entry: StreamEntry | undefined;
    let problem: string | null = null;
    try {
      entry = fromBinary(StreamEntrySchema, payload);
      if (entry.entry.case === undefined) problem = 'empty entry (neither header, record nor aggregate)';
    } catch (e) {
      problem = `not a crossedit.v1 StreamEntry (${(e as Error).message})`;
    }
    if (problem && allZero(bytes, off)) return { entries, validBytes: off, truncated: true };
    if (!entry || entry.entry.case === undefined) {
      entries.push({ ok: false, problem: problem!, at: off });
      return { entries, validBytes: off, truncated: false, stoppedAt: off };
    }
    problem = frameProblem(payload, entry);
    entries.push(problem ? { entry, ok: false, problem, at: off } : { entry, ok: true, at: off });
    off = end;
  }
  return { entries, validBytes: off, truncated: false };
}

/** Scans JSON Lines without throwing: each complete line is parsed and its checksum checked. */
export function scanJsonLines(text: string): ScannedStream {
  const entries: ScannedEntry[] = [];
  const enc = new TextEncoder();
  let off = 0;
  let line = 0;
  while (off < text.length) {
    const nl = text.indexOf('\n', off);
    if (nl < 0) return { entries, validBytes: enc.encode(text.slice(0, off)).length, truncated: true };
    line++;
    const s = text.slice(off, nl);
    try {
      const e = fromJsonString(StreamEntrySchema, s);
      if (e.entry.case === undefined) throw new Error('neither header, record nor aggregate');
      const bad = e.checksum !== undefined && entryChecksum(e) !== e.checksum;
      entries.push(bad ? { entry: e, ok: false, problem: 'checksum mismatch', at: line } : { entry: e, ok: true, at: line });
    } catch (e) {
      entries.push({ ok: false, problem: `not a crossedit.v1 StreamEntry (${(e as Error).message})`, at: line });
    }
    off = nl + 1;
  }
  return { entries, validBytes: enc.encode(text).length, truncated: false };
}

/**
 * Parses a length-delimited stream. A last frame cut short (or a zero-filled tail) ends the stream with
 * `truncated`; an undecodable whole frame, or one whose checksum fails, is an error.
 * @throws FormatError naming the file, the entry number, the byte offset and the problem.
 */
export function parseFrames(bytes: Uint8Array, file: string): ParsedStream {
  const s = scanFrames(bytes);
  s.entries.forEach((e, i) => {
    if (!e.ok) throw new FormatError(file, `entry ${i} at byte ${e.at}: ${e.problem}`);
  });
  return { entries: s.entries.map((e) => e.entry!), validBytes: s.validBytes, truncated: s.truncated };
}

/**
 * Parses JSON Lines of stream entries. Text after the last newline is a torn line (`truncated`).
 * @throws FormatError naming the file and line of a bad complete line (unparsable, or a failed checksum).
 */
export function parseJsonLines(text: string, file: string): ParsedStream {
  const s = scanJsonLines(text);
  s.entries.forEach((e) => {
    if (!e.ok) throw new FormatError(file, `line ${e.at}: ${e.problem}`);
  });
  return { entries: s.entries.map((e) => e.entry!), validBytes: s.validBytes, truncated: s.truncated };
}
