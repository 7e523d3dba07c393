import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readArtifact } from '@crossedit/editor-training';
import { readSafetensors } from '@crossedit/stats';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'testing', 'train-child.ts');
/** Iterations per checkpoint in the child's schedule (accumulate 2 × checkpointEvery 2). */
const PER_CHECKPOINT = 4;
const MAX_ITERS = 48;

interface Child {
  pid: number;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

function train(runDir: string, outDir: string): Child {
  const p = spawn(process.execPath, ['--conditions=@crossedit/source', '--import', 'tsx', CHILD, runDir, outDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return { pid: p.pid!, done: new Promise((resolve) => p.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))) };
}

async function checkpointIter(runDir: string): Promise<number> {
  const f = join(runDir, 'checkpoint.safetensors');
  if (!existsSync(f)) return 0;
  try {
    return (JSON.parse((await readSafetensors(f)).metadata.loop) as { iter: number }).iter;
  } catch {
    return 0; // being replaced this instant
  }
}

/** sha256 over the artifact's tensors (names, shapes, bytes); the header's wall times differ between runs. */
async function tensorHash(f: string): Promise<string> {
  const { tensors } = await readArtifact(f);
  const h = createHash('sha256');
  for (const k of Object.keys(tensors).sort()) {
    const t = tensors[k];
    h.update(`${k}:${t.dtype}:${t.shape.join(',')};`);
    h.update(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return h.digest('hex');
}
const artifactOf = (stdout: string) => /artifact: (.+\.safetensors)/.exec(stdout)?.[1] ?? '';

describe('MEND training killed with SIGKILL', () => {
  it('resumes from its last checkpoint to the artifact of an uninterrupted run, losing at most the iterations since that checkpoint', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mend-sigkill-'));
    const straight = await train(join(dir, 'straight'), join(dir, 'straight-art')).done;
    expect(straight.code).toBe(0);
    const reference = artifactOf(straight.stdout);
    expect(reference).not.toBe('');

    const run = join(dir, 'killed');
    const child = train(run, join(dir, 'killed-art'));
    let exited = false;
    void child.done.then(() => (exited = true));
    const deadline = Date.now() + 60_000;
    while (!exited && (await checkpointIter(run)) < 2 * PER_CHECKPOINT && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(exited).toBe(false); // still training: the kill lands mid-run
    process.kill(child.pid, 'SIGKILL');
    const killed = await child.done;
    expect(killed.signal).toBe('SIGKILL');
    // what the process had done (one losses.csv line per iteration) against what the checkpoint holds
    const done = readFileSync(join(run, 'losses.csv'), 'utf8').trim().split('\n').length - 1;
    const saved = await checkpointIter(run);
    expect(saved).toBeGreaterThanOrEqual(2 * PER_CHECKPOINT);
    expect(saved).toBeLessThan(MAX_ITERS);
    expect(done - saved).toBeGreaterThanOrEqual(0);
    // lost: the iterations after the last completed checkpoint — at most one checkpoint interval (the
    // kill may land while the next checkpoint is being written, after its last iteration was logged)
    expect(done - saved).toBeLessThanOrEqual(PER_CHECKPOINT);
    expect(saved % PER_CHECKPOINT).toBe(0);

    const resumed = await train(run, join(dir, 'killed-art')).done;
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain(`at iteration ${saved}`);
    const art = artifactOf(resumed.stdout);
    expect(art.split('/').pop()).toBe(reference.split('/').pop());
    expect(await tensorHash(art)).toBe(await tensorHash(reference));
  }, 120_000);
});
