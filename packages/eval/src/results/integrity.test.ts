/** Damaged results on resume: checksums find flipped bytes, which are repaired from the other copy or dropped, and said. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FormatError } from '@crossedit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { crc32 } from '@crossedit/core';
import { resultsPaths } from './files.js';
import { readResults } from './reader.js';
import type { EditRecord, RunHeader } from './types.js';
import { ResultsWriter } from './writer.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'ce-integrity-'));
  dirs.push(d);
  return d;
};

const header: RunHeader = { method: 'rome', backbone: 'tiny', sourceLang: 'en', dataset: 'd.json', hparams: { layers: [1] }, scorerMode: 'correct', created: '2026-01-01T00:00:00Z', evalLangs: ['en', 'zh'], backend: 'cpu' };

function rec(i: number): EditRecord {
  return {
    recordIndex: i,
    requestId: `${i}:en`,
    request: { prompt: `What is the capital of country${i}?`, subject: `country${i}`, target: `City${i}`, lang: 'en' },
    items: [
      { metric: 'reliability', kind: 'rewrite', lang: 'en', prompt: `What is the capital of country${i}?`, target: `City${i}`, labels: [5, 6], predictions: [5, 7], prePredictions: [], answer: `Cit${i}`, preAnswer: '', reference: `City${i}`, tokenAcc: 0.5, f1: 0.5, em: 0 },
    ],
    diagnostics: { loss: i / 8 },
    timings: { editMs: 1, evaluateMs: 1, restoreMs: 0, totalMs: 2 },
  };
}
const records = [0, 1, 2, 3, 4].map(rec);

async function write(dir: string, h: RunHeader = header, aggregate = true): Promise<{ bin: Buffer; json: string }> {
  const w = await ResultsWriter.open(dir, h, { fsync: false });
  for (const r of records) if (!w.isDone(r.requestId)) await w.append(r);
  if (aggregate) await w.writeAggregate();
  await w.close();
  const p = resultsPaths(dir);
  return { bin: readFileSync(p.binpb), json: readFileSync(p.jsonl, 'utf8') };
}

/** Flips one byte of `text` inside the file (the first occurrence after `after`), e.g. a letter of a prompt. */
function flip(file: string, text: string, from = 'a', to = 'q'): void {
  const buf = readFileSync(file);
  const at = buf.indexOf(Buffer.from(text));
  expect(at).toBeGreaterThan(0);
  const k = buf.indexOf(Buffer.from(from), at);
  buf[k] = to.charCodeAt(0);
  writeFileSync(file, buf);
}

describe('results integrity', () => {
  it('crc32 is the IEEE one', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('a flipped byte in results.binpb is found, and on resume repaired from results.jsonl (never copied into it)', async () => {
    const dir = tmp();
    const clean = await write(dir);
    const p = resultsPaths(dir);
    flip(p.binpb, 'capital of country2');
    expect(() => readResults(dir)).toThrow(FormatError);
    expect(() => readResults(dir)).toThrow(/results.binpb: entry 3 at byte \d+: checksum mismatch/);
    const w = await ResultsWriter.open(dir, header, { fsync: false });
    expect(w.recovery.repaired).toBe(1);
    expect(w.recovery.messages.join('\n')).toMatch(/results.binpb byte \d+: entry 3 \(request 2:en\): checksum mismatch .*; repaired from .*results.jsonl/);
    expect(w.records).toEqual(records);
    await w.close();
    expect(readFileSync(p.binpb).equals(clean.bin)).toBe(true);
    expect(readFileSync(p.jsonl, 'utf8')).toBe(clean.json);
  });

  it('a flipped byte in results.jsonl is repaired from results.binpb', async () => {
    const dir = tmp();
    const clean = await write(dir);
    const p = resultsPaths(dir);
    flip(p.jsonl, 'capital of country1');
    const w = await ResultsWriter.open(dir, header, { fsync: false });
    expect(w.recovery.repaired).toBe(1);
    expect(w.recovery.messages.join('\n')).toMatch(/results.jsonl line 3: entry 2 \(request 1:en\): checksum mismatch; repaired from .*results.binpb/);
    await w.close();
    expect(readFileSync(p.jsonl, 'utf8')).toBe(clean.json);
  });

  it('an entry damaged in both files is dropped, said, and evaluated again', async () => {
    const dir = tmp();
    const clean = await write(dir, header, false);
    const p = resultsPaths(dir);
    flip(p.binpb, 'capital of country3');
    flip(p.jsonl, 'capital of country3');
    const w = await ResultsWriter.open(dir, header, { fsync: false });
    expect(w.recovery.dropped).toBe(1);
    expect(w.recovery.messages.join('\n')).toMatch(/entry 4 \(request 3:en\): damaged in both files .*dropped, it will be evaluated again/);
    expect(w.isDone('3:en')).toBe(false);
    expect(w.records.map((r) => r.requestId)).toEqual(['0:en', '1:en', '2:en', '4:en']);
    await w.append(records[3]);
    await w.close();
    expect(readResults(dir).records).toHaveLength(5);
    expect(readFileSync(p.binpb).length).toBe(clean.bin.length); // same entries, another order
  });

  it('records the backend and warns when a resume uses another one', async () => {
    const dir = tmp();
    await write(dir, header, false);
    expect(readResults(dir).header.backend).toBe('cpu');
    const w = await ResultsWriter.open(dir, { ...header, backend: 'webgpu' }, { fsync: false });
    expect(w.recovery.backendChanged).toEqual({ existing: 'cpu', requested: 'webgpu' });
    expect(w.recovery.messages.join('\n')).toContain('started on the cpu backend and this run uses webgpu');
    await w.close();
  });

  it('a rerun of a finished run does not append another aggregate', async () => {
    const dir = tmp();
    const first = await write(dir);
    const again = await write(dir);
    expect(again.json).toBe(first.json);
    expect(again.bin.equals(first.bin)).toBe(true);
    expect(first.json.trim().split('\n').filter((l) => l.startsWith('{"aggregate"'))).toHaveLength(1);
  });

  it('a directory where two runs wrote the same requests (before the lock) resumes, keeping the first copy of each', async () => {
    const dir = tmp();
    await write(dir, header, false);
    const p = resultsPaths(dir);
    // what two unlocked runs left: the records of requests 1 and 2 appended a second time
    const bin = readFileSync(p.binpb);
    const lines = readFileSync(p.jsonl, 'utf8').split('\n');
    writeFileSync(p.jsonl, [...lines.slice(0, -1), lines[2], lines[3], ''].join('\n'));
    expect(() => readResults(dir)).not.toThrow(); // the protobuf file is still clean
    writeFileSync(p.binpb, Buffer.alloc(0));
    expect(() => readResults(dir)).toThrow(/request 1:en appears twice/);
    const w = await ResultsWriter.open(dir, header, { fsync: false });
    expect(w.recovery.dropped).toBe(2);
    expect(w.recovery.messages.join('\n')).toMatch(/entry 6 \(request 1:en\): a second copy of that request .*dropped, the first is kept/);
    expect(w.records.map((r) => r.requestId)).toEqual(['0:en', '1:en', '2:en', '3:en', '4:en']);
    await w.close();
    expect(readFileSync(p.binpb).equals(bin)).toBe(true);
    expect(readResults(dir).records).toEqual(records);
  });
});
