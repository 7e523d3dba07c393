/** Test helper: runs the CLI in-process and captures its output. */
import { vi } from 'vitest';
import { main } from '../main.js';

/** Runs `crossedit argv...` in this process; returns the exit code and what it wrote. */
export async function runCapture(argv: string[]): Promise<{ code: number; out: string; err: string; ms: number }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  const t0 = performance.now();
  try {
    const code = await main(argv);
    return { code, out, err, ms: performance.now() - t0 };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
