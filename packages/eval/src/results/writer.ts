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
import { encodeFrame, encodeJsonLine, parseFrames, parseJsonLines } from './stream.js';
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
  /** `results.binpb` was rebuilt from `results.jsonl` (it was missing or held no complete entry). */
  binpbRebuilt: boolean;
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
    const recovery: RecoveryReport = { binpbTruncatedBytes: 0, jsonlRewritten: false, binpbRebuilt: false };
    const binBytes = existsSync(p.binpb) ? new Uint8Array(readFileSync(p.binpb)) : new Uint8Array(0);
    const jsonText = existsSync(p.jsonl) ? readFileSync(p.jsonl, 'utf8') : '';
    const fromBin = parseFrames(binBytes, p.binpb);
    let entries = fromBin.entries;
    let source = p.binpb;
    if (entries.length === 0 && jsonText.length > 0) {
      entries = parseJsonLines(jsonText, p.jsonl).entries;
      source = p.jsonl;
    }

    let stored: RunHeader = header;
    let records: EditRecord[] = [];
    const resumed = entries.length > 0;
    if (resumed) {
      const decoded = decodeEntries({ entries, validBytes: 0, truncated: false }, source);
      const diffs = compareHeaders(decoded.header, header);
      if (diffs.length) throw new ResultsMismatchError(source, diffs);
      stored = decoded.header;
      records = decoded.records;
      // Repairs, only after the results are known to be ours.
      if (source === p.jsonl) {
        await writeWhole(p.binpb, concat(entries.map(encodeFrame)), fsync);
        recovery.binpbRebuilt = true;
      } else if (fromBin.truncated) {
        recovery.binpbTruncatedBytes = binBytes.length - fromBin.validBytes;
        await truncate(p.binpb, fromBin.validBytes);
      }
      const expected = entries.map(encodeJsonLine).join('');
      if (jsonText !== expected) {
        await writeWhole(p.jsonl, expected, fsync);
        recovery.jsonlRewritten = true;
      }
    } else {
      const entry = create(StreamEntrySchema, { entry: { case: 'header', value: headerToProto(header) } });
      await writeWhole(p.binpb, encodeFrame(entry), fsync);
      await writeWhole(p.jsonl, encodeJsonLine(entry), fsync);
    }
    const bin = await open(p.binpb, 'a');
    const json = await open(p.jsonl, 'a');
    return new ResultsWriter(dir, stored, records, resumed, recovery, bin, json, fsync, lock);
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
    });
  }

  /** The aggregate of the records written so far. */
  aggregate(): AggregateTable {
    return aggregateRecords(this.list, this.header.evalLangs);
  }

  /** Appends the aggregate of all records (the table) and returns it. */
  async writeAggregate(): Promise<AggregateTable> {
    let table!: AggregateTable;
    await this.enqueue(async () => {
      table = this.aggregate();
      await this.writeEntry(create(StreamEntrySchema, { entry: { case: 'aggregate', value: aggregateToProto(table, this.header.scorerMode) } }));
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
