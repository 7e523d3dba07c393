/**
 * Appending results as they are produced, so that an interrupted run resumes where it stopped and
 * loses nothing. Each record goes to `results.binpb` (length-delimited protobuf) and then to
 * `results.jsonl`, each write flushed to disk before the next.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { open, rename, truncate, type FileHandle } from 'node:fs/promises';
import { create } from '@bufbuild/protobuf';
import { FormatError } from '@crossedit/core';
import { aggregateRecords, type AggregateTable } from '../metrics/aggregate.js';
import { metricColumns } from '../metrics/columns.js';
import { aggregateToProto, headerToProto, recordToProto } from './convert.js';
import { resultsPaths } from './files.js';
import { acquireResultsLock, type DirLock } from './lock.js';
import { StreamEntrySchema, type StreamEntry } from './gen/crossedit/v1/results_pb.js';
import { compareHeaders, ResultsMismatchError } from './header.js';
import { decodeEntries } from './reader.js';
import { encodeFrame, encodeJsonLine, scanFrames, scanJsonLines, type ScannedStream } from './stream.js';
import type { EditRecord, RunHeader } from './types.js';

/** Options of {@link ResultsWriter.open}. */
export interface ResultsWriterOptions {
  /** Flush every write to disk (fsync); default true. Tests may turn it off for speed. */
  fsync?: boolean;
  /**
   * The directory's lock: one the caller already holds (it is released by {@link ResultsWriter.close}),
   * or `false` for no lock. Default: the writer takes it ({@link acquireResultsLock}).
   */
  lock?: DirLock | false;
}

/** What opening existing results had to repair. */
export interface RecoveryReport {
  /** Bytes of a torn last protobuf entry that were cut away. */
  binpbTruncatedBytes: number;
  /** `results.jsonl` was rewritten from the protobuf stream (it lagged behind or was torn). */
  jsonlRewritten: boolean;
  /** `results.binpb` was rewritten (it was missing, or entries were repaired from `results.jsonl` or dropped). */
  binpbRebuilt: boolean;
  /** Entries damaged in one file (checksum or decoding) and taken from the other. */
  repaired: number;
  /** Entries damaged in both files and left out (their requests are evaluated again). */
  dropped: number;
  /** The backend of the stored header differs from this run's (both known). */
  backendChanged?: { existing: string; requested: string };
  /** One line per repair, drop or warning, for the user. */
  messages: string[];
}

type Kind = StreamEntry['entry']['case'];

function describeEntry(e: StreamEntry | undefined, i: number): string {
  if (!e) return `entry ${i}`;
  if (e.entry.case === 'record') return `entry ${i} (request ${e.entry.value.requestId})`;
  return `entry ${i} (${e.entry.case})`;
}

/**
 * Both files hold the same entries; each entry is taken from a copy whose checksum holds, preferring
 * the protobuf one. An entry damaged in both is dropped (a damaged header is an error).
 */
function mergeCopies(
  bin: ScannedStream,
  binLength: number,
  json: ScannedStream,
  p: { binpb: string; jsonl: string },
  recovery: RecoveryReport,
): { entries: StreamEntry[]; source: string; rewriteBin: boolean; binTornBytes: number; jsonExplained: boolean } {
  const n = Math.max(bin.entries.length, json.entries.length);
  const entries: StreamEntry[] = [];
  let rewriteBin = false;
  let jsonExplained = false;
  if (bin.entries.length === 0 && json.entries.length > 0) {
    rewriteBin = true;
    recovery.messages.push(`${p.binpb}: ${bin.validBytes === 0 && bin.stoppedAt === undefined ? 'missing or empty' : 'unreadable'}; rebuilt from ${p.jsonl}`);
  }
  if (bin.stoppedAt !== undefined) {
    recovery.messages.push(`${p.binpb}: cannot be followed past byte ${bin.stoppedAt} (a damaged entry); the rest is taken from ${p.jsonl}`);
    rewriteBin = true;
  }
  for (let i = 0; i < n; i++) {
    const b = bin.entries[i];
    const j = json.entries[i];
    if (b?.ok) {
      entries.push(b.entry!);
      if (j && !j.ok) {
        recovery.repaired++;
        jsonExplained = true;
        recovery.messages.push(`${p.jsonl} line ${j.at}: ${describeEntry(j.entry ?? b.entry, i)}: ${j.problem}; repaired from ${p.binpb}`);
      }
      continue;
    }
    if (j?.ok) {
      entries.push(j.entry!);
      if (i < bin.entries.length || bin.stoppedAt !== undefined) {
        rewriteBin = true;
        if (b) {
          recovery.repaired++;
          recovery.messages.push(`${p.binpb} byte ${b.at}: ${describeEntry(j.entry, i)}: ${b.problem}; repaired from ${p.jsonl}`);
        }
      } else if (bin.entries.length > 0 && !rewriteBin) {
        // the protobuf file ends early (a damaged length prefix looks like a torn end) but the JSON Lines go on
        rewriteBin = true;
        recovery.messages.push(`${p.binpb}: ends after entry ${i - 1}, ${p.jsonl} has more; entries from ${i} on are taken from ${p.jsonl}`);
      }
      continue;
    }
    if (!b && !j) continue;
    if (i === 0) {
      throw new FormatError(p.binpb, `the run header is damaged in both files (${b?.problem ?? 'missing'}; ${p.jsonl}: ${j?.problem ?? 'missing'})`);
    }
    // damaged in both copies (or in the only one): leave it out; its request is evaluated again
    rewriteBin = true;
    jsonExplained = true;
    recovery.dropped++;
    recovery.messages.push(`${describeEntry(b?.entry ?? j?.entry, i)}: damaged in both files (${b?.problem ?? 'missing'}; ${j?.problem ?? 'missing'}); dropped, it will be evaluated again`);
  }
  // a request written twice (two runs on one directory, before the lock existed): keep the first
  const seen = new Set<string>();
  const unique = entries.filter((e, i) => {
    if (e.entry.case !== 'record') return true;
    const id = e.entry.value.requestId;
    if (!seen.has(id)) return seen.add(id), true;
    recovery.dropped++;
    recovery.messages.push(`entry ${i} (request ${id}): a second copy of that request (two runs wrote to this directory); dropped, the first is kept`);
    return false;
  });
  if (unique.length !== entries.length) {
    rewriteBin = true;
    jsonExplained = true;
  }
  const binTornBytes = !rewriteBin && bin.truncated ? binLength - bin.validBytes : 0;
  return { entries: unique, source: bin.entries.length > 0 ? p.binpb : p.jsonl, rewriteBin, binTornBytes, jsonExplained };
}

async function writeWhole(path: string, data: Uint8Array | string, fsync: boolean): Promise<void> {
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(data);
    if (fsync) await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/**
 * Appends edit records to a results directory. On open it reads what is there (cutting away a torn
 * last entry), refuses results of a different run, and reports which requests are done.
 * @example
 * const w = await ResultsWriter.open('out/rome-en', header);
 * for (const c of cases) {
 *   if (w.isDone(c.request.id)) continue;
 *   await w.append(await evaluate(c));
 * }
 * await w.writeAggregate();
 * await w.close();
 */
export class ResultsWriter {
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly done = new Set<string>();
  /** The kind of the last entry in the files (an aggregate is not written twice in a row). */
  private lastKind: Kind = 'header';

  private constructor(
    /** The results directory. */
    readonly dir: string,
    /** The header of the results (the stored one when resuming: its `created` is the first start). */
    readonly header: RunHeader,
    private readonly list: EditRecord[],
    /** True when existing results were found and are being continued. */
    readonly resumed: boolean,
    /** What opening had to repair. */
    readonly recovery: RecoveryReport,
    private readonly bin: FileHandle,
    private readonly json: FileHandle,
    private readonly fsync: boolean,
    private readonly lock: DirLock | undefined,
  ) {
    for (const r of list) this.done.add(r.requestId);
  }

  /**
   * Opens (or creates) the results in `dir` for the run described by `header`.
   * @throws ResultsMismatchError when existing results have another method, backbone, source language,
   *   dataset, hparams or scorer mode; FormatError when they are corrupt (not just torn at the end).
   */
  static async open(dir: string, header: RunHeader, opts: ResultsWriterOptions = {}): Promise<ResultsWriter> {
    const lock = opts.lock === false ? undefined : (opts.lock ?? acquireResultsLock(dir));
    try {
      return await ResultsWriter.openLocked(dir, header, opts.fsync ?? true, lock);
    } catch (e) {
      lock?.release();
      throw e;
    }
  }

  private static async openLocked(dir: string, header: RunHeader, fsync: boolean, lock: DirLock | undefined): Promise<ResultsWriter> {
    mkdirSync(dir, { recursive: true });
    const p = resultsPaths(dir);
    const recovery: RecoveryReport = { binpbTruncatedBytes: 0, jsonlRewritten: false, binpbRebuilt: false, repaired: 0, dropped: 0, messages: [] };
    const binBytes = existsSync(p.binpb) ? new Uint8Array(readFileSync(p.binpb)) : new Uint8Array(0);
    const jsonText = existsSync(p.jsonl) ? readFileSync(p.jsonl, 'utf8') : '';
    const merged = mergeCopies(scanFrames(binBytes), binBytes.length, scanJsonLines(jsonText), p, recovery);
    const entries = merged.entries;
    const source = merged.source;

    let stored: RunHeader = header;
    let records: EditRecord[] = [];
    const resumed = entries.length > 0;
    let lastKind: Kind = 'header';
    if (resumed) {
      const decoded = decodeEntries({ entries, validBytes: 0, truncated: false }, source);
      const diffs = compareHeaders(decoded.header, header);
      if (diffs.length) throw new ResultsMismatchError(source, diffs);
      stored = decoded.header;
      records = decoded.records;
      lastKind = entries[entries.length - 1].entry.case;
      if (stored.backend && header.backend && stored.backend !== header.backend) {
        recovery.backendChanged = { existing: stored.backend, requested: header.backend };
        recovery.messages.push(
          `these results were started on the ${stored.backend} backend and this run uses ${header.backend}: the two differ in the last float digits, which can change a few argmax predictions`,
        );
      }
      // Repairs, only after the results are known to be ours.
      if (merged.rewriteBin) {
        await writeWhole(p.binpb, concat(entries.map(encodeFrame)), fsync);
        recovery.binpbRebuilt = true;
      } else if (merged.binTornBytes > 0) {
        recovery.binpbTruncatedBytes = merged.binTornBytes;
        recovery.messages.push(`${p.binpb}: cut away a torn last entry (${merged.binTornBytes} bytes)`);
        await truncate(p.binpb, binBytes.length - merged.binTornBytes);
      }
      const expected = entries.map(encodeJsonLine).join('');
      if (jsonText !== expected) {
        await writeWhole(p.jsonl, expected, fsync);
        recovery.jsonlRewritten = true;
        if (!merged.jsonExplained) recovery.messages.push(`${p.jsonl}: rewritten from ${p.binpb} (it lagged behind or was torn)`);
      }
    } else {
      const entry = create(StreamEntrySchema, { entry: { case: 'header', value: headerToProto(header) } });
      await writeWhole(p.binpb, encodeFrame(entry), fsync);
      await writeWhole(p.jsonl, encodeJsonLine(entry), fsync);
    }
    const bin = await open(p.binpb, 'a');
    const json = await open(p.jsonl, 'a');
    const w = new ResultsWriter(dir, stored, records, resumed, recovery, bin, json, fsync, lock);
    w.lastKind = lastKind;
    return w;
  }

  /** Records present, in write order (existing ones first). */
  get records(): readonly EditRecord[] {
    return this.list;
  }

  /** Request ids already written. */
  get doneIds(): ReadonlySet<string> {
    return this.done;
  }

  /** Dataset record indices already written. */
  get doneRecordIndices(): ReadonlySet<number> {
    return new Set(this.list.map((r) => r.recordIndex));
  }

  /** Whether the request `requestId` is already written. */
  isDone(requestId: string): boolean {
    return this.done.has(requestId);
  }

  private async writeEntry(entry: StreamEntry): Promise<void> {
    await this.bin.write(encodeFrame(entry));
    if (this.fsync) await this.bin.sync();
    await this.json.write(encodeJsonLine(entry));
    if (this.fsync) await this.json.sync();
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.queue.then(task);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Appends one record and flushes it.
   * @throws Error when the request is already written, or an item's metric is not a column of the
   *   header's evaluation languages.
   */
  append(record: EditRecord): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`ResultsWriter(${this.dir}): closed`));
    if (!record.requestId) return Promise.reject(new Error('ResultsWriter.append: the record has no requestId'));
    if (this.done.has(record.requestId)) return Promise.reject(new Error(`ResultsWriter.append: request ${record.requestId} is already in ${this.dir}`));
    const cols = new Set<string>(metricColumns(this.header.evalLangs).map((c) => c.id));
    const bad = record.items.find((it) => !cols.has(it.metric));
    if (bad) return Promise.reject(new FormatError(this.dir, `record ${record.requestId}: metric "${bad.metric}" is not a column for languages ${this.header.evalLangs.join(', ')}`));
    this.done.add(record.requestId);
    const entry = create(StreamEntrySchema, { entry: { case: 'record', value: recordToProto(record) } });
    return this.enqueue(async () => {
      try {
        await this.writeEntry(entry);
      } catch (e) {
        this.done.delete(record.requestId);
        throw e;
      }
      this.list.push(record);
      this.lastKind = 'record';
    });
  }

  /** The aggregate of the records written so far. */
  aggregate(): AggregateTable {
    return aggregateRecords(this.list, this.header.evalLangs);
  }

  /**
   * Appends the aggregate of all records (the table) and returns it. When the files already end with
   * an aggregate (a rerun of a finished run), nothing is appended: that one covers the same records.
   */
  async writeAggregate(): Promise<AggregateTable> {
    let table!: AggregateTable;
    await this.enqueue(async () => {
      table = this.aggregate();
      if (this.lastKind === 'aggregate') return;
      await this.writeEntry(create(StreamEntrySchema, { entry: { case: 'aggregate', value: aggregateToProto(table, this.header.scorerMode) } }));
      this.lastKind = 'aggregate';
    });
    return table;
  }

  /** Waits for pending writes and closes the files. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.queue;
      await this.bin.close();
      await this.json.close();
    } finally {
      this.lock?.release();
    }
  }
}
