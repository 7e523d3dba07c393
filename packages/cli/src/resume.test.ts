/** `crossedit eval` on a directory that is in use, damaged, or finished. */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sharedDir } from './shared.js';
import { runCapture as run } from './testing/run.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'ce-resume-'));
  dirs.push(d);
  return d;
};
const data = () => path.join(sharedDir()!, 'data/bizsre/mzsre_test_duplicate_enzh.json');
const argv = (out: string) => ['eval', '--backbone', 'tiny', '--method', 'ft', '--hparam', 'numSteps=2', '--data', data(), '--source-lang', 'en', '--limit', '2', '--out', out, '--backend', 'cpu'];

describe('crossedit eval on an existing --out', () => {
  it('a second run on a directory in use stops at once, naming the holder', async () => {
    const out = path.join(tmp(), 'o');
    mkdirSync(out);
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      writeFileSync(path.join(out, 'results.lock'), JSON.stringify({ pid: holder.pid, host: hostname(), started: '2026-12-02T10:00:00Z', command: 'crossedit eval --out o' }));
      const r = await run(argv(out));
      expect(r.code).toBe(1);
      expect(r.err).toContain(`this results directory is in use by pid ${holder.pid} on ${hostname()} (started 2026-12-02T10:00:00Z: crossedit eval --out o)`);
      expect(r.ms).toBeLessThan(3000);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('a rerun of a finished run appends nothing; a flipped byte is repaired on resume and said', async () => {
    const out = path.join(tmp(), 'o');
    expect((await run(argv(out))).code).toBe(0);
    const jsonl = path.join(out, 'results.jsonl');
    const binpb = path.join(out, 'results.binpb');
    const first = readFileSync(jsonl, 'utf8');
    expect(first.trim().split('\n')).toHaveLength(4); // header, 2 records, aggregate
    const again = await run(argv(out));
    expect(again.code).toBe(0);
    expect(readFileSync(jsonl, 'utf8')).toBe(first);
    // flip one byte of the first record's prompt in the protobuf file
    const bin = readFileSync(binpb);
    const prompt = JSON.parse(first.split('\n')[1]).record.request.prompt as string;
    const at = bin.indexOf(Buffer.from(prompt));
    bin[at] ^= 0x01;
    writeFileSync(binpb, bin);
    const third = await run(argv(out));
    expect(third.code).toBe(0);
    expect(third.err).toMatch(/resume: .*results\.binpb byte \d+: entry 1 \(request 0:en\): checksum mismatch .*repaired from .*results\.jsonl/);
    expect(readFileSync(jsonl, 'utf8')).toBe(first);
  });
});
