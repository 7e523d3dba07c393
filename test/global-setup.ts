/**
 * Vitest global setup: every test run gets one private temporary root (`TMPDIR`, which `os.tmpdir()` reads
 * in the test workers and in the CLI processes they spawn), removed when the run ends, so the checkpoints,
 * run folders and artifacts the tests write do not pile up in the system's temporary directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as nodePath from 'node:path';

export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  const root = mkdtempSync(nodePath.join(tmpdir(), 'crossedit-vitest-'));
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(root, { recursive: true, force: true });
  };
}
