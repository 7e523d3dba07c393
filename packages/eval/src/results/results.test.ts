import { appendFileSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FormatError } from '@crossedit/core';
import { describe, expect, it } from 'vitest';
import { aggregateRecords } from '../metrics/aggregate.js';
import { metricColumns } from '../metrics/columns.js';
import { resultsPaths } from './files.js';
import { ResultsMismatchError } from './header.js';
import { readResults } from './reader.js';
import type { EditRecord, RunHeader } from './types.js';
import { ResultsWriter } from './writer.js';

const header: RunHeader = {
  method: 'rome',
  backbone: 'tiny',
  sourceLang: 'zh',
  dataset: 'mzsre_test_duplicate_enzh.json',
  datasetSha256: 'fc6b0da1',
  hparams: { layers: [5], v_lr: 0.5, nested: { b: 1, a: 2 } },
  weightsHash: 'abc123',
  versions: { '@crossedit/eval': '0.0.0' },
  scorerMode: 'correct',
  created: '2025-01-01T00:00:00.000Z',
  evalLangs: ['en', 'zh'],
  schedule: 'single',
  f1Tokenizer: 'chinese-llama-plus-7b',
  weightDtype: 'f16',
};

function makeRecord(i: number): EditRecord {
  if (i === 3) {
    return {
      recordIndex: i,
      requestId: `${i}:zh`,
      request: { prompt: `问题${i}？`, subject: `主题${i}`, target: `答案${i}`, lang: 'zh' },
      items: [],
      diagnostics: {},
      timings: { editMs: 1, evaluateMs: 0, restoreMs: 0, totalMs: 1 },
      error: 'NaN loss at step 3',
    };
  }
  const items = metricColumns(['en', 'zh']).map((c, k) => ({
    metric: c.id,
    kind: (['rewrite', 'rephrase', 'rephrase', 'locality', 'locality', 'portability', 'portability'] as const)[k],
    lang: c.lang ?? 'zh',
    prompt: `prompt ${i}/${k} 问`,
    target: `target ${i}`,
    labels: [10 + i, 11 + k, 3],
    predictions: [10 + i, 12, 3],
    prePredictions: c.family === 'locality' ? [10 + i, 11, 4] : [],
    answer: `ans ${i}`,
    preAnswer: c.family === 'locality' ? `pre ${i}` : '',
    reference: `ref ${i}`,
    tokenAcc: ((i + k) % 4) / 3,
    f1: ((i * 7 + k) % 10) / 9,
    em: (i + k) % 2,
  }));
  const r: EditRecord = {
    recordIndex: i,
    requestId: `${i}:zh`,
    request: { prompt: `问题${i}？`, subject: `主题${i}`, target: `答案${i}`, lang: 'zh' },
    items,
    diagnostics: { loss: 0.125 * i, steps: i + 1, note: `ok ${i}` },
    timings: { editMs: 100.5 + i, evaluateMs: 20.25, restoreMs: 0.5, totalMs: 121.25 + i },
  };
  if (i % 2 === 0) r.request.groundTruth = `旧${i}`;
  return r;
}

const N = 6;
const all = Array.from({ length: N }, (_, i) => makeRecord(i));
const tmp = () => mkdtempSync(join(tmpdir(), 'results-'));

async function runTo(dir: string, records: EditRecord[], opts: { aggregate?: boolean; h?: RunHeader } = {}): Promise<ResultsWriter> {
  const w = await ResultsWriter.open(dir, opts.h ?? header, { fsync: false });
  for (const r of records) if (!w.isDone(r.requestId)) await w.append(r);
  if (opts.aggregate) await w.writeAggregate();
  await w.close();
  return w;
}

function files(dir: string): { bin: Buffer; json: string } {
  const p = resultsPaths(dir);
  return { bin: readFileSync(p.binpb), json: readFileSync(p.jsonl, 'utf8') };
}

/** Byte offsets of frame ends in a results.binpb (varint length + payload). */
function frameEnds(bin: Buffer): number[] {
  const ends: number[] = [];
  let off = 0;
  while (off < bin.length) {
    let len = 0;
    let shift = 0;
    let b: number;
    do {
      b = bin[off++];
      len |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    off += len;
    ends.push(off);
  }
  return ends;
}

describe('ResultsWriter / readResults', () => {
  it('round-trips header, records and aggregate through protobuf and JSON Lines', async () => {
    const dir = tmp();
    await runTo(dir, all, { aggregate: true });
    const back = readResults(dir);
    expect(back.header).toEqual(header);
    expect(back.records).toEqual(all);
    expect(back.truncated).toBe(false);
    expect(back.aggregate).toEqual(aggregateRecords(all, ['en', 'zh']));
    expect(back.aggregate.failed).toBe(1);
    expect(back.storedAggregate?.f1).toEqual(back.aggregate.f1);
    expect(back.storedAggregate?.em).toEqual(back.aggregate.em);

    const lines = files(dir).json.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, Record<string, unknown>>);
    expect(lines).toHaveLength(1 + N + 1);
    expect(lines[0].header.method).toBe('rome');
    expect(lines[0].header.hparamsJson).toBe('{"layers":[5],"nested":{"a":2,"b":1},"v_lr":0.5}');
    expect(lines[1].record.requestId).toBe('0:zh');
    expect(lines[N + 1].aggregate.edits).toBe(N);

    // the JSON Lines alone give the same content
    const dir2 = tmp();
    copyFileSync(resultsPaths(dir).jsonl, resultsPaths(dir2).jsonl);
    const fromJson = readResults(dir2);
    expect(fromJson.source).toBe(resultsPaths(dir2).jsonl);
    expect(fromJson.records).toEqual(all);
  });

  it('a run interrupted anywhere (torn protobuf frame, torn JSON line) resumes to the same bytes as an uninterrupted run', async () => {
    const ref = tmp();
    await runTo(ref, all, { aggregate: true });
    const want = files(ref);

    const full = tmp();
    await runTo(full, all); // what a run has written when it is killed (before the aggregate)
    const { bin, json } = files(full);
    const ends = frameEnds(bin);
    const jsonEnds = json.split('\n').slice(0, -1).reduce<number[]>((a, l) => [...a, (a.at(-1) ?? 0) + Buffer.byteLength(l) + 1], []);
    expect(ends).toHaveLength(N + 1);

    // cut points: inside the header, inside each record, exactly at frame ends
    const cuts = [3, ...ends.slice(0, -1).flatMap((e, k) => [e, e + 1, Math.floor((e + ends[k + 1]) / 2), ends[k + 1] - 1])];
    for (const cut of cuts) {
      const dir = tmp();
      const p = resultsPaths(dir);
      writeFileSync(p.binpb, bin.subarray(0, cut));
      // JSON Lines lag behind: whole lines for the whole frames, then half of the next line
      const whole = ends.filter((e) => e <= cut).length;
      const jsonCut = whole === 0 ? 0 : jsonEnds[whole - 1] + Math.floor((jsonEnds[whole] - jsonEnds[whole - 1]) / 2 || 0);
      writeFileSync(p.jsonl, Buffer.from(json).subarray(0, jsonCut));

      const w = await ResultsWriter.open(dir, header, { fsync: false });
      const doneBefore = whole === 0 ? 0 : whole - 1;
      expect(w.doneIds.size, `cut ${cut}`).toBe(doneBefore);
      expect(w.resumed).toBe(whole > 0);
      if (whole > 0 && cut > ends[whole - 1]) expect(w.recovery.binpbTruncatedBytes).toBe(cut - ends[whole - 1]);
      if (whole > 0) expect(w.recovery.jsonlRewritten).toBe(true);
      if (whole > 0) expect(w.records).toEqual(all.slice(0, doneBefore));
      for (const r of all) if (!w.isDone(r.requestId)) await w.append(r);
      await w.writeAggregate();
      await w.close();

      const got = files(dir);
      expect(got.bin.equals(want.bin), `binpb after cut at ${cut}`).toBe(true);
      expect(got.json, `jsonl after cut at ${cut}`).toBe(want.json);
    }
  });

  it('rebuilds results.binpb from results.jsonl when the protobuf file is gone', async () => {
    const ref = tmp();
    await runTo(ref, all);
    const dir = tmp();
    copyFileSync(resultsPaths(ref).jsonl, resultsPaths(dir).jsonl);
    const w = await ResultsWriter.open(dir, header, { fsync: false });
    expect(w.recovery.binpbRebuilt).toBe(true);
    expect(w.doneIds.size).toBe(N);
    await w.close();
    expect(files(dir).bin.equals(files(ref).bin)).toBe(true);
  });

  it('a zero-filled tail (a crash on some file systems) is cut away', async () => {
    const dir = tmp();
    await runTo(dir, all.slice(0, 2));
    appendFileSync(resultsPaths(dir).binpb, Buffer.alloc(64));
    expect(readResults(dir).truncated).toBe(true);
    const w = await ResultsWriter.open(dir, header, { fsync: false });
    expect(w.recovery.binpbTruncatedBytes).toBe(64);
    expect([...w.doneIds]).toEqual(['0:zh', '1:zh']);
    await w.close();
  });

  it('readResults tolerates a torn last entry without changing the file', async () => {
    const dir = tmp();
    await runTo(dir, all);
    const p = resultsPaths(dir).binpb;
    const size = readFileSync(p).length;
    truncateSync(p, size - 5);
    const back = readResults(dir);
    expect(back.truncated).toBe(true);
    expect(back.records).toEqual(all.slice(0, N - 1));
    expect(readFileSync(p).length).toBe(size - 5);
  });

  it('refuses to append to results of a different run, naming every differing field, and changes nothing', async () => {
    const dir = tmp();
    await runTo(dir, all.slice(0, 2));
    const before = files(dir);
    const other: RunHeader = { ...header, method: 'memit', hparams: { ...header.hparams, v_lr: 0.1 }, sourceLang: 'en', weightDtype: 'f32' };
    let err: unknown;
    try {
      await ResultsWriter.open(dir, other, { fsync: false });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ResultsMismatchError);
    const e = err as ResultsMismatchError;
    expect(e.differences.map((d) => d.field)).toEqual(['method', 'sourceLang', 'hparams', 'weightDtype']);
    expect(e.message).toContain('method: existing "rome", this run "memit"');
    expect(e.message).toContain(resultsPaths(dir).binpb);
    expect(e.message).toMatch(/another output directory/);
    const after = files(dir);
    expect(after.bin.equals(before.bin)).toBe(true);
    expect(after.json).toBe(before.json);

    // same hparams in another key order, a later `created` and new versions: resumes
    const same: RunHeader = { ...header, hparams: { nested: { a: 2, b: 1 }, v_lr: 0.5, layers: [5] }, created: '2030-01-01', versions: {} };
    const w = await ResultsWriter.open(dir, same, { fsync: false });
    expect(w.header.created).toBe(header.created);
    await w.close();
  });

  it('rejects duplicate requests and items of another language', async () => {
    const dir = tmp();
    const w = await ResultsWriter.open(dir, header, { fsync: false });
    await w.append(all[0]);
    await expect(w.append(all[0])).rejects.toThrow(/request 0:zh is already/);
    const bad = { ...all[1], items: [{ ...all[1].items[0], metric: 'generality.de' as const }] };
    await expect(w.append(bad)).rejects.toThrow(/generality.de/);
    await w.close();
    await expect(w.append(all[2])).rejects.toThrow(/closed/);
    expect(readResults(dir).records).toEqual([all[0]]);
  });

  it('concurrent appends are written one after another', async () => {
    const dir = tmp();
    const w = await ResultsWriter.open(dir, header, { fsync: true });
    await Promise.all(all.map((r) => w.append(r)));
    await w.close();
    expect(readResults(dir).records).toEqual(all);
  });

  it('corruption before the end is an error naming the file and the entry', async () => {
    const dir = tmp();
    await runTo(dir, all);
    const p = resultsPaths(dir).binpb;
    const bin = readFileSync(p);
    const ends = frameEnds(bin);
    // overwrite the payload of entry 2 with bytes that are not a message (field 0 is invalid)
    bin.fill(0x00, ends[1] + 2, ends[1] + 12);
    bin[ends[1] + 2] = 0x07;
    writeFileSync(p, bin);
    expect(() => readResults(dir)).toThrow(FormatError);
    expect(() => readResults(dir)).toThrow(/results.binpb: entry 2 at byte \d+/);
    // on resume the damaged protobuf file is rebuilt from the JSON Lines, and says so
    const w = await ResultsWriter.open(dir, header, { fsync: false });
    expect(w.doneIds.size).toBe(N);
    expect(w.recovery.messages.join('\n')).toMatch(/cannot be followed past byte \d+ .*taken from .*results.jsonl/);
    await w.close();
    expect(readResults(dir).records).toEqual(all);
  });

  it('a directory without results is an error; a fresh directory starts with the header', async () => {
    const dir = tmp();
    expect(() => readResults(dir)).toThrow(/no results here/);
    const w = await ResultsWriter.open(join(dir, 'nested', 'out'), header, { fsync: false });
    expect(w.resumed).toBe(false);
    await w.close();
    const back = readResults(join(dir, 'nested', 'out'));
    expect(back.records).toEqual([]);
    expect(back.aggregate.edits).toBe(0);
    rmSync(resultsPaths(join(dir, 'nested', 'out')).binpb);
    expect(existsSync(resultsPaths(join(dir, 'nested', 'out')).jsonl)).toBe(true);
    expect(readResults(join(dir, 'nested', 'out')).header).toEqual(header);
  });
});
