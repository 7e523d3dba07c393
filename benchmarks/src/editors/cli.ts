/** Runs `crossedit <args>` as a child process (the repository's source CLI), streaming stderr, returning stdout. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (three folders above this file). */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** `node --conditions=@crossedit/source --import tsx packages/cli/src/main.ts …args` under `nice` when asked. */
export function crossedit(args: readonly string[], opts: { nice?: number; quiet?: boolean } = {}): Promise<string> {
  const node = [process.execPath, '--conditions=@crossedit/source', '--import', 'tsx', path.join(REPO, 'packages/cli/src/main.ts'), ...args];
  const [cmd, ...rest] = opts.nice ? ['nice', '-n', String(opts.nice), ...node] : node;
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, rest, { cwd: REPO, stdio: ['ignore', 'pipe', opts.quiet ? 'ignore' : 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`crossedit ${args.join(' ')} exited with ${code}\n${out}`))));
  });
}
