import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from './main.js';
import { sharedDir } from './shared.js';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    const code = await main(argv);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('crossedit', () => {
  it('prints help, and exits 2 on usage errors with a message', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    for (const c of ['demo', 'edit', 'eval', 'stats', 'train', 'tokenizer', 'info']) expect(help.out).toContain(c);
    expect((await run(['eval', '--help'])).out).toContain('--source-lang');
    const bad = await run(['nope']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("unknown command 'nope'");
    const study = await run(['train', '--study', 'b99', '--backend', 'cpu']);
    expect(study.code).toBe(2);
    expect(study.err).toContain("--study: no study run 'b99' (expected one of first-model, ");
    const flag = await run(['eval', '--bogus']);
    expect(flag.code).toBe(2);
    expect(flag.err).toMatch(/bogus/);
    const method = await run(['eval', '--method', 'nosuch', '--data', 'x', '--out', 'y', '--backend', 'cpu']);
    expect(method.code).toBe(2);
    expect(method.err).toContain('@crossedit/method-nosuch');
    const dtype = await run(['edit', '--dtype', 'bf16', '--backend', 'cpu', '--prompt', 'The capital of France', '--subject', 'France', '--target', 'Rome']);
    expect(dtype.code).toBe(2);
    expect(dtype.err).toContain("--dtype must be one of auto, f32, f16 (got 'bf16')");
  });

  it('demo edits the embedded model and restores it', async () => {
    const r = await run(['demo', '--backend', 'cpu-f32']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('edit question (en)');
    expect(r.out).toContain('same question (zh)');
    // ROME with its default hyperparameters (no demo preset); a ✓ exactly when the answer is exactly the new one
    expect(r.err).not.toContain('preset');
    const m = /edit question \(en\)[^\n]*\n\s+before: (.*)\n\s+after: {2}(.*?) {3}(✓|✗)/.exec(r.out);
    expect(m).not.toBeNull();
    expect(m![1]).toBe('German');
    expect(m![2]).toBe('French'); // the shipped model takes the demo's edit exactly (issue 16)
    expect(m![3]).toBe('✓');
    // whatever the shipped weights do to the other questions, the demo says it as it is
    const row = (label: string) => {
      const x = new RegExp(`${label.replace(/[()]/g, '\\$&')}[^\\n]*\\n\\s+before: (.*)\\n\\s+after: {2}(.*?) {3}(.*)`).exec(r.out);
      expect(x, label).not.toBeNull();
      return { before: x![1], after: x![2], verdict: x![3] };
    };
    const zh = row('same question (zh)');
    expect(zh.before).toBe('德语'); // a trained fact: known in Chinese too
    if (zh.after === '法国人') expect(zh.verdict).toBe('✓ the new answer carried over (法国人)');
    else if (zh.after === zh.before) expect(zh.verdict).toBe('✗ did not carry over: unchanged (the new answer would be 法国人)');
    else expect(zh.verdict).toMatch(/^✗ (changed, but not to the new answer 法国人|did not carry over: still the old answer)/);
    const other = row('unrelated (en)');
    expect(other.before).toBe('Ottawa');
    expect(other.verdict).toBe(other.after === other.before ? '✓ unchanged' : '✗ changed by the edit');
    expect(r.out).toContain('weights identical to the original');
  });

  it('eval writes results and a rerun resumes with nothing left to do', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'ce-cli-'));
    dirs.push(out);
    const data = path.join(sharedDir()!, 'data/bizsre/mzsre_test_duplicate_enzh.json');
    const argv = ['eval', '--backbone', 'tiny', '--method', 'ft', '--data', data, '--source-lang', 'zh', '--limit', '2', '--out', out, '--backend', 'cpu'];
    const first = await run(argv);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/Reli\.\s+Gene\. En\s+Gene\. Zh\s+Loca\. En\s+Loca\. Zh\s+Port\. En\s+Port\. Zh/);
    const lines = readFileSync(path.join(out, 'results.jsonl'), 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines[0]).toContain('"weightDtype":"f32"');
    expect(first.err).toContain('weights: f32 — f32 (auto: cpu has no native f16)');
    const second = await run(argv);
    expect(second.code).toBe(0);
    expect(second.err).toContain('resuming: 2 of 2 edits already');
  });

  it('train stops cleanly on SIGTERM: the step in flight finishes, is checkpointed, and the exit code is 143', async () => {
    const runDir = mkdtempSync(path.join(tmpdir(), 'cli-train-'));
    dirs.push(runDir);
    let err = '';
    let out = '';
    const o = vi.spyOn(process.stdout, 'write').mockImplementation((t) => ((out += String(t)), true));
    // the evaluation at step 3 logs a line: the signal comes there, mid-run, as a user's kill would
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((t) => {
      err += String(t);
      if (String(t).startsWith('step 3:')) process.emit('SIGTERM', 'SIGTERM');
      return true;
    });
    const listeners = process.listenerCount('SIGTERM');
    let code: number;
    try {
      code = await main(['train', '--run', runDir, '--study', 'first-model', '--set', '{"evalEvery":3,"checkpointEvery":1000}', '--backend', 'cpu-f32']);
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
    expect(code).toBe(143);
    expect(err).toContain('SIGTERM: stopping after this step and writing a checkpoint');
    expect(out).toContain('interrupted at step 3/1400');
    expect(readFileSync(path.join(runDir, 'checkpoints', 'latest'), 'utf8').trim()).toBe('step-000003');
    expect(process.listenerCount('SIGTERM')).toBe(listeners); // the command's handler is gone again
  });
});
