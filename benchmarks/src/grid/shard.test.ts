import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './grid.config.js';
import { mergeGrid } from './merge.js';
import type { GridReport } from './report.js';
import { parseShard, shardLabel } from './shard.js';

const run = promisify(execFile);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'ce-shard-'));
  dirs.push(d);
  return d;
};
const config = path.join(repoRoot, 'benchmarks/src/grid/testing/small.grid.ts');

/** `pnpm bench grid --config small.grid.ts …` as a child process. */
async function grid(args: string[], env: Record<string, string> = {}): Promise<void> {
  await run(process.execPath, ['--conditions=@crossedit/source', '--import', 'tsx', path.join(repoRoot, 'benchmarks/src/main.ts'), 'grid', '--config', config, '--quiet', ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    maxBuffer: 32 << 20,
  });
}

/** The numbers of a report: every row's aggregate and transfer row, as JSON text. */
const numbers = (r: GridReport) => JSON.stringify(r.rows.map((x) => ({ cell: `${x.meta.backbone}/${x.meta.method}-${x.meta.sourceLang}`, status: x.meta.status, aggregate: x.aggregate, transfer: x.transfer })));
const readJson = (d: string) => JSON.parse(readFileSync(path.join(d, 'report.json'), 'utf8')) as GridReport;

describe('--shard i/n, --jobs N and grid merge', () => {
  it('parses shard specs and refuses bad ones', () => {
    expect(parseShard('2/4')).toEqual({ index: 1, count: 4 });
    expect(parseShard('@0/4')).toEqual({ index: 0, count: 4 });
    expect(shardLabel({ index: 1, count: 4 })).toBe('2/4');
    expect(() => parseShard('0/4')).toThrow(/--shard: '0\/4' is out of range/);
    expect(() => parseShard('5/4')).toThrow(/out of range/);
    expect(() => parseShard('two')).toThrow(/expected i\/n/);
  });

  it('3 shard processes merged, and --jobs 2, give the unsharded run’s numbers byte for byte; merging another configuration is refused with the difference named', async () => {
    const root = tmp();
    const full = path.join(root, 'full');
    const shards = [1, 2, 3].map((i) => path.join(root, `shard-${i}`));
    const jobs = path.join(root, 'jobs');
    await Promise.all([grid(['--out', full]), grid(['--out', jobs, '--jobs', '2']), ...shards.map((d, i) => grid(['--out', d, '--shard', `${i + 1}/3`]))]);

    const ref = readJson(full);
    // every shard ran a part of every cell; together they hold each record exactly once
    const perShard = shards.map((d) => readJson(d).rows.map((r) => r.aggregate?.edits ?? 0));
    for (let c = 0; c < ref.rows.length; c++) expect(perShard.reduce((a, s) => a + s[c], 0)).toBe(4);
    expect(perShard.every((s) => s.reduce((a, b) => a + b, 0) > 0)).toBe(true);
    expect(readJson(shards[0]).shard).toBe('1/3');

    const mergedDir = path.join(root, 'merged');
    const merged = await mergeGrid(shards, { outDir: mergedDir });
    expect(ref.rows.every((r) => r.meta.status === 'done' && r.aggregate && r.aggregate.edits === 4)).toBe(true);
    expect(numbers(merged)).toBe(numbers(ref));
    expect(numbers(readJson(mergedDir))).toBe(numbers(ref));
    // the report says which run (shard) each cell's records come from
    expect(merged.rows[0].sources?.map((s) => s.run.replace(/^.* \[/, '['))).toEqual(['[1/3]', '[2/3]', '[3/3]']);
    expect(merged.runs?.map((r) => r.shard)).toEqual(['1/3', '2/3', '3/3']);
    const md = readFileSync(path.join(mergedDir, 'report.md'), 'utf8');
    expect(md).toContain('| Run | Host | Started | Shard | Results folder |');
    expect(md).toMatch(/merged from 3 shard folder\(s\)/);

    // --jobs 2: two worker processes (shards 1/2 and 2/2 under jobs/), merged into --out: the same numbers
    const byJobs = readJson(jobs);
    expect(numbers(byJobs)).toBe(numbers(ref));
    expect(byJobs.runs?.map((r) => r.shard)).toEqual(['1/2', '2/2']);
    expect(readJson(path.join(jobs, 'jobs/1-of-2')).shard).toBe('1/2');
    expect(byJobs.timing?.jobs).toBe(2);
    expect(byJobs.timing?.methods.map((m) => m.edits)).toEqual([8, 8]);
    expect(readFileSync(path.join(jobs, 'report.md'), 'utf8')).toMatch(/Projected full grid \(743 records × 2 edit languages = 1,486 edits per method, 2 methods\): .* on one process, .* with --jobs 2\./);
    await expect(grid(['--out', path.join(root, 'both'), '--jobs', '2', '--shard', '1/2'])).rejects.toThrow(/give --jobs or --shard, not both/);

    // a shard of a differently configured grid (FT's learning rate) is refused, naming the field
    const other = path.join(root, 'other');
    await grid(['--out', other, '--shard', '3/3'], { CROSSEDIT_TEST_FT_LR: '0.01' });
    await expect(mergeGrid([shards[0], shards[1], other], { outDir: path.join(root, 'bad') })).rejects.toThrow(/holds another grid configuration .*methods\.0\.hparams\.lr: absent → 0\.01/);
    await expect(mergeGrid([shards[0], shards[0]], { outDir: path.join(root, 'bad') })).rejects.toThrow(/are the same shard \(1\/3\)/);
  }, 300_000);
});
