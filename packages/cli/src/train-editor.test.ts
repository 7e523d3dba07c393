import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { writeTinyBert } from '@crossedit/transformer/testing';
import { main } from './main.js';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    return { code: await main(argv), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** ZsRE-format records about made-up facts. */
function records(n: number): Record<string, unknown>[] {
  const people = ['Ada Lovelace', 'Alan Turing', 'Grace Hopper', 'Marie Curie', 'Niels Bohr', 'Emmy Noether', 'Paul Dirac', 'Lise Meitner'];
  return Array.from({ length: n }, (_, i) => {
    const s = people[i % people.length];
    return { subject: s, src: `What is the native language of ${s}?`, rephrase: `Which language did ${s} speak first?`, alt: ['German', 'French', 'Dutch'][i % 3], answers: ['English'], loc: `nq question: who wrote song ${i}`, loc_ans: 'The Beatles' };
  });
}

describe('crossedit train-editor', () => {
  it('a malformed training record names the file, the record and the field, and nothing is trained', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'train-editor-bad-'));
    dirs.push(dir);
    const recs = records(6);
    delete recs[3].rephrase;
    const f = path.join(dir, 'bad.json');
    writeFileSync(f, JSON.stringify(recs));
    const r = await run(['train-editor', '--method', 'mend', '--data', f, '--lang', 'en', '--out', path.join(dir, 'art'), '--run', path.join(dir, 'run')]);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/bad\.json.*record 3, field "rephrase"/s);
    expect(existsSync(path.join(dir, 'run'))).toBe(false);
    expect(existsSync(path.join(dir, 'art'))).toBe(false);
    const usage = await run(['train-editor', '--method', 'rome', '--data', f]);
    expect(usage.code).toBe(2);
    expect(usage.err).toContain('the method trains no artifact (mend and serac do)');
    // SERAC's component directories: SERAC only, and a directory that is not there is named
    const notSerac = await run(['train-editor', '--method', 'mend', '--data', f, '--classifier-dir', dir]);
    expect(notSerac.code).toBe(2);
    expect(notSerac.err).toContain('--classifier-dir applies to --method serac only');
    const gone = path.join(dir, 'no-such-model');
    const missing = await run(['train-editor', '--method', 'serac', '--data', f, '--cf-model-dir', gone]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain(`--cf-model-dir ${gone}: directory not found`);
    const evalFlag = await run(['eval', '--method', 'rome', '--data', f, '--out', path.join(dir, 'res'), '--classifier-dir', dir]);
    expect(evalFlag.code).toBe(2);
    expect(evalFlag.err).toContain("--classifier-dir applies to SERAC (a method with a 'classifierDir' hyperparameter); 'rome' has none");
    expect(existsSync(path.join(dir, 'res'))).toBe(false);
  });

  for (const method of ['mend', 'serac']) {
    it(`${method}: trains an artifact on the embedded model, writes the curves, then runs through eval with it (a file that is not an artifact stops the run)`, async () => {
      const dir = mkdtempSync(path.join(tmpdir(), `train-editor-${method}-`));
      dirs.push(dir);
      const data = path.join(dir, 'train.json');
      writeFileSync(data, JSON.stringify(records(8)));
      const art = path.join(dir, 'art');
      const evalArgs = ['eval', '--backbone', 'tiny', '--backend', 'cpu', '--method', method, '--data', data, '--source-lang', 'en', '--limit', '2', '--hparam', `artifactDir=${art}`, '--cache-dir', path.join(dir, 'cache')];
      // an explicit artifact that is not one is refused before any edit
      const notArt = path.join(dir, 'not-an-artifact.safetensors');
      writeFileSync(notArt, 'x');
      const bad = await run([...evalArgs, '--hparam', `artifact=${notArt}`, '--out', path.join(dir, 'res0')]);
      expect(bad.code).not.toBe(0);
      expect(bad.err).toContain('not a readable');
      expect(bad.err).toContain(`crossedit train-editor --method ${method} --backbone tiny`);
      // SERAC's classifier-only phase shortened too (its default is 1,000 iterations)
      const set = JSON.stringify({ loop: { maxIters: 2, accumulate: 1, valEvery: 1, valCount: 1, checkpointEvery: 1 }, ...(method === 'serac' ? { scope: { iters: 2 } } : {}) });
      const t = await run(['train-editor', '--method', method, '--data', data, '--lang', 'en', '--train-limit', '4', '--validation', '2', '--out', art, '--run', path.join(dir, 'run'), '--set', set]);
      expect(t.code, t.err).toBe(0);
      expect(t.out).toMatch(/finished \(max-iters\) after 2 iterations/);
      const trained = readdirSync(art).filter((n) => n.startsWith(`${method}-`));
      expect(trained).toHaveLength(1);
      const curve = JSON.parse(readFileSync(path.join(dir, 'run', 'curve.json'), 'utf8')) as { train: unknown[]; val: unknown[] };
      expect(curve.train).toHaveLength(2);
      expect(curve.val.length).toBeGreaterThan(0);
      expect(readFileSync(path.join(dir, 'run', 'losses.csv'), 'utf8').trim().split('\n')).toHaveLength(3);
      const e = await run([...evalArgs, '--out', path.join(dir, 'res')]);
      expect(e.code, e.err).toBe(0);
      expect(e.out).toMatch(/reliability|Reliability|rel/i);
      const lines = readFileSync(path.join(dir, 'res', 'results.jsonl'), 'utf8').trim().split('\n');
      expect(lines.length).toBeGreaterThanOrEqual(2);
      // the artifact searched first (artifactDir) is the one just trained, not the shipped one
      const id = trained[0].slice(method.length + 1, method.length + 17);
      const recs = lines.map((l) => JSON.parse(l) as { record?: { diagnostics?: { artifact?: { text?: string } } } }).filter((r) => r.record);
      expect(recs.length).toBe(2);
      for (const r of recs) expect(r.record!.diagnostics?.artifact?.text).toBe(id);
    });
  }

  it('serac --classifier-dir (a tiny BERT written here) and --cf-model-dir (the embedded model\'s checkpoint directory): trained with both, evaluated with both, refused without', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'train-editor-serac-dirs-'));
    dirs.push(dir);
    const data = path.join(dir, 'train.json');
    writeFileSync(data, JSON.stringify(records(8)));
    const bert = path.join(dir, 'bert');
    await writeTinyBert(bert, { extraWords: ['native', 'language', 'ada', 'lovelace', 'alan', 'turing', 'dutch', 'english'] });
    const cfDir = fileURLToPath(new URL('../../../plugins/backbone-tiny/assets', import.meta.url));
    const art = path.join(dir, 'art');
    const set = JSON.stringify({ loop: { maxIters: 2, valEvery: 1, valCount: 1, checkpointEvery: 1 }, scope: { iters: 2 } });
    const t = await run(['train-editor', '--method', 'serac', '--data', data, '--lang', 'en', '--train-limit', '4', '--validation', '2', '--out', art, '--run', path.join(dir, 'run'), '--set', set, '--classifier-dir', bert, '--cf-model-dir', cfDir]);
    expect(t.code, t.err).toBe(0);
    const file = readdirSync(art).find((n) => n.startsWith('serac-'))!;
    const header = JSON.parse(readFileSync(path.join(art, file)).subarray(8, 8 + Number(readFileSync(path.join(art, file)).readBigUInt64LE(0))).toString('utf8')) as { __metadata__: Record<string, string> };
    expect(JSON.stringify(header.__metadata__)).toContain(bert);
    const evalArgs = ['eval', '--backbone', 'tiny', '--backend', 'cpu', '--method', 'serac', '--data', data, '--source-lang', 'en', '--limit', '2', '--hparam', `artifactDir=${art}`, '--cache-dir', path.join(dir, 'cache')];
    const e = await run([...evalArgs, '--out', path.join(dir, 'res'), '--classifier-dir', bert, '--cf-model-dir', cfDir]);
    expect(e.code, e.err).toBe(0);
    expect(readFileSync(path.join(dir, 'res', 'results.jsonl'), 'utf8').trim().split('\n').length).toBeGreaterThanOrEqual(2);
    const without = await run([...evalArgs, '--out', path.join(dir, 'res2'), '--cf-model-dir', cfDir]);
    expect(without.code).not.toBe(0);
    expect(without.err).toMatch(/trained with the BERT classifier in .*bert.*pass that directory \(--classifier-dir/s);
  }, 240_000);
});
