import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parentOf } from './lifeline.js';

const child = fileURLToPath(new URL('./testing/lifeline-child.ts', import.meta.url));
const started: ChildProcess[] = [];
const pids: number[] = [];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !alive(pid);
}

/** Starts `wrapper` (a node program) that starts the CLI child under `sh -c`, as pnpm does; resolves the child's pid. */
function startChain(env: Record<string, string>): Promise<{ wrapper: ChildProcess; pid: number }> {
  const cmd = `${JSON.stringify(process.execPath)} --import tsx ${JSON.stringify(child)}`;
  const src = `const c = require('child_process').spawn('sh', ['-c', ${JSON.stringify(cmd)} + '; echo'], { stdio: ['ignore', 'inherit', 'inherit'] }); setInterval(() => {}, 1000);`;
  const wrapper = spawn(process.execPath, ['-e', src], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  started.push(wrapper);
  return new Promise((res, rej) => {
    let out = '';
    wrapper.stdout!.on('data', (d) => {
      out += String(d);
      const m = /^(\d+)\n/.exec(out);
      if (m) {
        pids.push(Number(m[1]));
        res({ wrapper, pid: Number(m[1]) });
      }
    });
    wrapper.on('error', rej);
  });
}

afterEach(() => {
  for (const p of pids.splice(0)) if (alive(p)) process.kill(p, 'SIGKILL');
  for (const w of started.splice(0)) if (w.exitCode === null) w.kill('SIGKILL');
});

describe('lifeline', () => {
  it('reads the parent pid from /proc', () => {
    expect(parentOf('self')).toBe(process.ppid);
  });

  it('the CLI exits when the pnpm-like wrapper is SIGKILLed and sh -c stays in between', async () => {
    const { wrapper, pid } = await startChain({ npm_lifecycle_event: 'crossedit' });
    expect(alive(pid)).toBe(true);
    wrapper.kill('SIGKILL');
    expect(await gone(pid, 5000)).toBe(true);
  });

  it('the CLI exits when its direct parent goes (re-parented), and SIGTERM exits with 143', async () => {
    const { pid } = await startChain({});
    const sh = parentOf(pid)!;
    process.kill(sh, 'SIGKILL');
    expect(await gone(pid, 5000)).toBe(true);

    const direct = spawn(process.execPath, ['--import', 'tsx', child], { stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(direct);
    let err = '';
    direct.stderr!.on('data', (d) => (err += String(d)));
    await new Promise<void>((res) => direct.stdout!.once('data', () => res()));
    const code = new Promise<number | null>((res) => direct.on('exit', (c) => res(c)));
    direct.kill('SIGTERM');
    expect(await code).toBe(143);
    expect(err).toContain('SIGTERM received; stopping');
  });

  it("a command's own SIGINT handler (stats checkpoints) is left to run", async () => {
    const p = spawn(process.execPath, ['--import', 'tsx', child], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OWN_SIGINT: '1' } });
    started.push(p);
    let out = '';
    let err = '';
    p.stdout!.on('data', (d) => (out += String(d)));
    p.stderr!.on('data', (d) => (err += String(d)));
    await new Promise<void>((res) => p.stdout!.once('data', () => res()));
    const code = new Promise<number | null>((res) => p.on('exit', (c) => res(c)));
    p.kill('SIGINT');
    expect(await code).toBe(0);
    expect(out).toContain('checkpointed');
    expect(err).not.toContain('SIGINT received');
  });

  it('a command that stops cleanly on SIGHUP (train checkpoints) is sent one when its starter goes', async () => {
    const { wrapper, pid } = await startChain({ npm_lifecycle_event: 'crossedit', OWN_SIGHUP: '1' });
    let out = '';
    wrapper.stdout!.on('data', (d) => (out += String(d)));
    wrapper.kill('SIGKILL');
    expect(await gone(pid, 5000)).toBe(true);
    expect(out).toContain('hangup handled');
  });

  it('with stdin closed (as in CI) the CLI keeps running', async () => {
    const p = spawn(process.execPath, ['--import', 'tsx', child], { stdio: ['pipe', 'pipe', 'inherit'] });
    started.push(p);
    await new Promise<void>((res) => p.stdout!.once('data', () => res()));
    p.stdin!.end();
    await new Promise((r) => setTimeout(r, 600));
    expect(p.exitCode).toBe(null);
  });
});
