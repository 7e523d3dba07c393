import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireResultsLock, LOCK_FILE, ResultsLockedError } from './lock.js';
import { ResultsWriter } from './writer.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'ce-lock-'));
  dirs.push(d);
  return d;
};
const header = { method: 'm', backbone: 'b', sourceLang: 'en', dataset: 'd.json', hparams: {}, scorerMode: 'correct' as const, created: '2026-01-01T00:00:00Z', evalLangs: ['en', 'zh'] };

/** A pid that certainly belongs to no process any more: a child that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

describe('results directory lock', () => {
  it('a second writer on the same directory stops, naming the holder; after close the directory is free', async () => {
    const dir = tmp();
    const w = await ResultsWriter.open(dir, header, { fsync: false });
    const lock = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'));
    expect(lock.pid).toBe(process.pid);
    const e = await ResultsWriter.open(dir, header, { fsync: false }).catch((x: unknown) => x as Error);
    expect(e).toBeInstanceOf(ResultsLockedError);
    expect((e as Error).message).toContain(`in use by pid ${process.pid} on ${hostname()}`);
    await w.close();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    const again = await ResultsWriter.open(dir, header, { fsync: false });
    expect(again.resumed).toBe(true);
    await again.close();
  });

  it('a lock left by a dead process is stale and taken over; an unreadable one is refused', () => {
    const dir = tmp();
    const pid = deadPid();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid, host: hostname(), started: '2026-01-01T00:00:00Z', command: 'crossedit eval' }));
    const l = acquireResultsLock(dir);
    expect(l.staleTakenOver?.pid).toBe(pid);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    l.release();
    writeFileSync(join(dir, LOCK_FILE), 'garbage');
    expect(() => acquireResultsLock(dir)).toThrow(/unreadable/);
    // another host's lock cannot be checked: refused, naming the host
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid, host: 'elsewhere', started: 'x', command: 'c' }));
    expect(() => acquireResultsLock(dir)).toThrow(/pid \d+ on elsewhere .*on another host/);
  });

  it('three processes racing for one directory: exactly one gets it', async () => {
    const dir = tmp();
    const barrier = tmp();
    const url = new URL('./lock.ts', import.meta.url).pathname;
    // each child says it is ready, waits for "go", takes the lock, holds it 0.5 s and prints ok or the error's name
    const script = `import { existsSync, writeFileSync } from 'node:fs';
      import { acquireResultsLock } from ${JSON.stringify(url)};
      writeFileSync(${JSON.stringify(barrier)} + '/ready.' + process.pid, '');
      while (!existsSync(${JSON.stringify(barrier)} + '/go')) await new Promise((r) => setTimeout(r, 5));
      try { const l = acquireResultsLock(${JSON.stringify(dir)}); await new Promise((r) => setTimeout(r, 500)); l.release(); console.log('ok'); }
      catch (e) { console.log(e.name); }`;
    const kids = [0, 1, 2].map(() => spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] }));
    const outs = kids.map((k) => new Promise<string>((res) => {
      let o = '';
      k.stdout!.on('data', (d) => (o += String(d)));
      k.on('close', () => res(o.trim()));
    }));
    while (readdirSync(barrier).length < 3) await new Promise((r) => setTimeout(r, 20));
    writeFileSync(join(barrier, 'go'), '');
    expect((await Promise.all(outs)).sort()).toEqual(['ResultsLockedError', 'ResultsLockedError', 'ok']);
  });
});
