/** Reading a results directory back: header, records and the aggregate. */
import { existsSync, readFileSync } from 'node:fs';
import { FormatError } from '@crossedit/core';
import { aggregateRecords, type AggregateTable } from '../metrics/aggregate.js';
import { aggregateFromProto, headerFromProto, recordFromProto } from './convert.js';
import { resultsPaths } from './files.js';
import type { StreamEntry } from './gen/crossedit/v1/results_pb.js';
import { parseFrames, parseJsonLines, type ParsedStream } from './stream.js';
import type { EditRecord, RunHeader } from './types.js';

/** The content of a results directory. */
export interface ResultsContent {
  header: RunHeader;
  /** Records in the order they were written. */
  records: EditRecord[];
  /** The aggregate recomputed from `records`. */
  aggregate: AggregateTable;
  /** The aggregate stored in the file, when it is the last entry (i.e. covers every record). */
  storedAggregate?: AggregateTable;
  /** Which file was read. */
  source: string;
  /** The file ends with a torn entry (an interrupted append), which was ignored. */
  truncated: boolean;
}

/** Decodes stream entries into header and records, checking order and ids. */
export function decodeEntries(parsed: ParsedStream, file: string): Omit<ResultsContent, 'source' | 'truncated'> {
  const { entries } = parsed;
  const first = entries[0];
  if (!first || first.entry.case !== 'header') throw new FormatError(file, 'the first entry must be the run header');
  const header = headerFromProto(first.entry.value, file);
  const records: EditRecord[] = [];
  const seen = new Set<string>();
  let storedAggregate: AggregateTable | undefined;
  entries.slice(1).forEach((e: StreamEntry, k) => {
    const n = k + 1;
    if (e.entry.case === 'header') throw new FormatError(file, `entry ${n}: a second run header`);
    if (e.entry.case === 'record') {
      const r = recordFromProto(e.entry.value, file, `entry ${n} (record ${e.entry.value.requestId})`);
      if (seen.has(r.requestId)) throw new FormatError(file, `entry ${n}: request ${r.requestId} appears twice`);
      seen.add(r.requestId);
      records.push(r);
      storedAggregate = undefined;
    } else if (e.entry.case === 'aggregate') {
      storedAggregate = aggregateFromProto(e.entry.value, header.evalLangs);
    }
  });
  const out: Omit<ResultsContent, 'source' | 'truncated'> = { header, records, aggregate: aggregateRecords(records, header.evalLangs) };
  if (storedAggregate) out.storedAggregate = storedAggregate;
  return out;
}

/**
 * Reads `results.binpb` from `dir` (or `results.jsonl` when there is no protobuf file). A torn last
 * entry is ignored and reported; the files are not changed.
 * @throws FormatError when neither file exists or a file is corrupt.
 * @example
 * const { header, records, aggregate } = readResults('out/rome-en');
 */
export function readResults(dir: string): ResultsContent {
  const p = resultsPaths(dir);
  let parsed: ParsedStream;
  let source: string;
  if (existsSync(p.binpb) && readFileSync(p.binpb).length > 0) {
    source = p.binpb;
    parsed = parseFrames(new Uint8Array(readFileSync(p.binpb)), p.binpb);
  } else if (existsSync(p.jsonl)) {
    source = p.jsonl;
    parsed = parseJsonLines(readFileSync(p.jsonl, 'utf8'), p.jsonl);
  } else {
    throw new FormatError(dir, 'no results here (expected results.binpb or results.jsonl)');
  }
  if (parsed.entries.length === 0) throw new FormatError(source, 'no complete entry (not even the run header)');
  return { ...decodeEntries(parsed, source), source, truncated: parsed.truncated };
}
