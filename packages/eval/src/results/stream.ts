/**
 * The two on-disk forms of a results stream: length-delimited protobuf (`results.binpb`) and JSON Lines
 * (`results.jsonl`). Parsers tolerate a torn last entry (an interrupted append) and report it.
 */
import { fromBinary, fromJsonString, toJsonString } from '@bufbuild/protobuf';
import { sizeDelimitedEncode, sizeDelimitedPeek } from '@bufbuild/protobuf/wire';
import { FormatError } from '@crossedit/core';
import { StreamEntrySchema, type StreamEntry } from './gen/crossedit/v1/results_pb.js';

/** Entries read from a file, and how many bytes of it are whole entries. */
export interface ParsedStream {
  entries: StreamEntry[];
  /** Length of the prefix made of whole entries; the rest (if any) is a torn last entry. */
  validBytes: number;
  /** The file ends with a torn entry (or zero fill) after `validBytes`. */
  truncated: boolean;
}

/** One entry as a length-delimited frame. */
export function encodeFrame(entry: StreamEntry): Uint8Array {
  return sizeDelimitedEncode(StreamEntrySchema, entry);
}

/** One entry as a JSON line (with the newline). Fields with default values are written too. */
export function encodeJsonLine(entry: StreamEntry): string {
  return toJsonString(StreamEntrySchema, entry, { alwaysEmitImplicit: true }) + '\n';
}

function allZero(bytes: Uint8Array, from: number): boolean {
  for (let i = from; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

/**
 * Parses a length-delimited stream. A last frame cut short (or a zero-filled tail) ends the stream with
 * `truncated`; an undecodable whole frame before it is an error.
 * @throws FormatError naming the file, the entry number and the byte offset.
 */
export function parseFrames(bytes: Uint8Array, file: string): ParsedStream {
  const entries: StreamEntry[] = [];
  let off = 0;
  while (off < bytes.length) {
    const peek = sizeDelimitedPeek(bytes.subarray(off));
    if (peek.eof || off + peek.offset + peek.size > bytes.length) return { entries, validBytes: off, truncated: true };
    const start = off + peek.offset;
    const end = start + peek.size;
    let entry: StreamEntry;
    try {
      entry = fromBinary(StreamEntrySchema, bytes.subarray(start, end));
    } catch (e) {
      if (allZero(bytes, off)) return { entries, validBytes: off, truncated: true };
      throw new FormatError(file, `entry ${entries.length} at byte ${off}: not a crossedit.v1 StreamEntry (${(e as Error).message})`);
    }
    if (entry.entry.case === undefined) {
      if (allZero(bytes, off)) return { entries, validBytes: off, truncated: true };
      throw new FormatError(file, `entry ${entries.length} at byte ${off}: empty entry (neither header, record nor aggregate)`);
    }
    entries.push(entry);
    off = end;
  }
  return { entries, validBytes: off, truncated: false };
}

/**
 * Parses JSON Lines of stream entries. Text after the last newline is a torn line (`truncated`).
 * @throws FormatError naming the file and line of a bad complete line.
 */
export function parseJsonLines(text: string, file: string): ParsedStream {
  const entries: StreamEntry[] = [];
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
      entries.push(e);
    } catch (e) {
      throw new FormatError(file, `line ${line}: not a crossedit.v1 StreamEntry (${(e as Error).message})`);
    }
    off = nl + 1;
  }
  return { entries, validBytes: enc.encode(text).length, truncated: false };
}
