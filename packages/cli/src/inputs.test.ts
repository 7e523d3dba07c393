/** Bad command-line values fail fast, before the model loads, with a message naming the flag or key. */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sharedDir } from './shared.js';
import { runCapture as run } from './testing/run.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'ce-inputs-'));
  dirs.push(d);
  return d;
};
const data = () => path.join(sharedDir()!, 'data/bizsre/bizsre_test.json');
const evalArgs = (out: string, ...more: string[]) => ['eval', '--backbone', 'tiny', '--method', 'ft', '--data', data(), '--limit', '1', '--out', out, '--backend', 'cpu', ...more];

describe('crossedit eval: bad values', () => {
  it('a broken JSON --hparam names the key (not a bare SyntaxError)', async () => {
    const r = await run(evalArgs(path.join(tmp(), 'o'), '--hparam', 'layers=[1,'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/hyperparameter 'layers': "\[1," is not valid JSON/);
  });

  it('non-finite and out-of-range hyperparameters are refused before the model loads', async () => {
    const inf = await run(evalArgs(path.join(tmp(), 'o'), '--hparam', 'lr=Infinity'));
    expect(inf.code).not.toBe(0);
    expect(inf.err).toContain("hyperparameter 'lr': must be a finite number, got Infinity");
    const wd = await run(evalArgs(path.join(tmp(), 'o'), '--hparam', 'weightDecay=-0.1'));
    expect(wd.code).not.toBe(0);
    expect(wd.err).toContain("hyperparameter 'weightDecay': must be >= 0, got -0.1");
    expect(inf.ms + wd.ms).toBeLessThan(5000);
  });

  it('a layer the model does not have stops the run before the first edit', async () => {
    const out = path.join(tmp(), 'o');
    const r = await run(evalArgs(out, '--method', 'rome', '--hparam', 'layers=[99]'));
    expect(r.code).toBe(1);
    expect(r.err).toContain("rome: hyperparameter 'layers': layer 99 does not exist (the model has 6 layers, 0-5)");
    expect(existsSync(path.join(out, 'results.jsonl'))).toBe(false);
  });

  it('--ids with no ids, or past the dataset, is a usage error at once', async () => {
    const empty = await run(evalArgs(path.join(tmp(), 'o'), '--ids', ','));
    expect(empty.code).toBe(2);
    expect(empty.err).toContain('--ids: invalid id list ",": no ids');
    const huge = await run(evalArgs(path.join(tmp(), 'o'), '--ids', '0-100000000000'));
    expect(huge.code).toBe(2);
    expect(huge.err).toMatch(/"0-100000000000" is outside the dataset, which has records 0-\d+/);
    expect(huge.ms).toBeLessThan(3000);
  });

  it('--out that is a file, under a file, or in /proc is refused before the model loads', async () => {
    const d = tmp();
    const file = path.join(d, 'f');
    writeFileSync(file, 'x');
    const isFile = await run(evalArgs(file));
    expect(isFile.code).toBe(2);
    expect(isFile.err).toContain(`--out: results directory ${file}: exists and is not a directory`);
    const under = await run(evalArgs(path.join(file, 'sub', 'out')));
    expect(under.code).toBe(2);
    expect(under.err).toContain(`${file} is a file, not a directory`);
    const proc = await run(evalArgs('/proc/crossedit-out'));
    expect(proc.code).toBe(2);
    expect(proc.err).toContain('is on the proc file system');
    expect(isFile.ms + under.ms + proc.ms).toBeLessThan(5000);
  });

  it('--limit and --source-lang are checked', async () => {
    expect((await run(evalArgs(path.join(tmp(), 'o'), '--limit', '2x'))).err).toContain("--limit must be an integer >= 1 (got '2x')");
    const lang = await run(evalArgs(path.join(tmp(), 'o'), '--source-lang', 'xx'));
    expect(lang.code).toBe(2);
    expect(lang.err).toContain("--source-lang must be a language code such as en or zh (got 'xx')");
  });
});

describe('crossedit edit: bad values', () => {
  const base = ['edit', '--backbone', 'tiny', '--backend', 'cpu', '--prompt', 'The capital of France is', '--subject', 'France', '--target', 'Rome'];
  it('--max-tokens abc and --lang xx are usage errors', async () => {
    const mt = await run([...base, '--max-tokens', 'abc']);
    expect(mt.code).toBe(2);
    expect(mt.err).toContain("--max-tokens must be an integer >= 1 (got 'abc')");
    const lang = await run([...base, '--lang', 'xx']);
    expect(lang.code).toBe(2);
    expect(lang.err).toContain("--lang must be a language code such as en or zh (got 'xx')");
  });
});

describe('crossedit eval: dataset text', () => {
  it("prints the loader's warnings once, the first five and a count of the rest", async () => {
    const d = tmp();
    const recs = (JSON.parse(readFileSync(data(), 'utf8')) as { en: { subject: string } }[]).slice(0, 7);
    recs.forEach((r, i) => (r.en.subject = `nobody${i}`));
    const file = path.join(d, 'subjects.json');
    writeFileSync(file, JSON.stringify(recs));
    // stops before the first edit (a layer the model lacks), after the dataset is read
    const r = await run(['eval', '--backbone', 'tiny', '--method', 'rome', '--data', file, '--out', path.join(d, 'o'), '--backend', 'cpu', '--hparam', 'layers=[99]']);
    expect(r.code).toBe(1);
    const lines = r.err.split('\n').filter((l) => l.startsWith('warning: '));
    expect(lines.filter((l) => /record \d: en\.subject "nobody\d" does not occur in en\.src/.test(l))).toHaveLength(5);
    expect(r.err).toContain(`warning: ${file}: … and 2 more warnings of the loader`);
  });

  it('a dataset that is not UTF-8 stops with the byte offset', async () => {
    const d = tmp();
    const file = path.join(d, 'latin1.json');
    writeFileSync(file, Buffer.concat([readFileSync(data()).subarray(0, 200), Buffer.from([0xe9, 0x20])]));
    const r = await run(evalArgs(path.join(d, 'o')).map((a) => (a === data() ? file : a)));
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${file}: not valid UTF-8 at byte 200`);
  });
});
