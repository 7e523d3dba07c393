/**
 * The plugin story end to end, as a user outside this repository lives it (docs/adding-a-method.md):
 * the published packages are built and packed (`pnpm pack`), the example plugin
 * docs/examples/crossedit-method-sgd is copied to a temporary folder with its own package.json pointing
 * at those tarballs, installed, passes `describeMethodConformance` there with its own vitest, and a
 * project that installs the CLI and the plugin uses it by id: `crossedit edit --method sgd`. No file of
 * this repository changes (build outputs are ignored `dist/` folders). Every package's tarball also
 * passes publint and @arethetypeswrong/cli (ESM-only profile).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const work = mkdtempSync(path.join(tmpdir(), 'crossedit-external-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Every published package (all of packages/ and plugins/): built, packed and linted as published. */
const FILTERS = ['--filter', './packages/*', '--filter', './plugins/*'];
const bin = (name: string) => path.join(root, 'node_modules/.bin', name);

/** Runs a command without blocking the test worker (vitest's RPC needs the event loop). */
async function run(cmd: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, NODE_OPTIONS: '', CI: '1' } });
    return stdout;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  }
}

/** Builds and packs the published packages; returns package name → tarball path. */
async function packPackages(dest: string): Promise<Map<string, string>> {
  await run('pnpm', [...FILTERS, 'run', 'build'], root);
  await run('pnpm', [...FILTERS, 'exec', 'pnpm', 'pack', '--pack-destination', dest], root);
  const out = new Map<string, string>();
  for (const f of readdirSync(dest).filter((f) => f.endsWith('.tgz'))) {
    // crossedit-method-rome-0.0.0.tgz → @crossedit/method-rome
    const m = /^crossedit-(.+)-\d+\.\d+\.\d+.*\.tgz$/.exec(f);
    if (m) out.set(`@crossedit/${m[1]}`, path.join(dest, f));
  }
  return out;
}

/** A package.json whose @crossedit dependencies (direct and transitive) come from the tarballs. */
function pointAtTarballs(file: string, tarballs: Map<string, string>, extra: Record<string, string> = {}): void {
  const pj = JSON.parse(readFileSync(file, 'utf8'));
  for (const field of ['dependencies', 'devDependencies']) {
    for (const name of Object.keys(pj[field] ?? {})) if (tarballs.has(name)) pj[field][name] = `file:${tarballs.get(name)}`;
  }
  Object.assign((pj.dependencies ??= {}), extra);
  pj.pnpm = { overrides: Object.fromEntries([...tarballs].map(([n, t]) => [n, `file:${t}`])) };
  writeFileSync(file, JSON.stringify(pj, null, 2));
}

const install = (dir: string) => run('pnpm', ['install', '--prefer-offline', '--ignore-workspace', '--reporter=silent', '--config.confirmModulesPurge=false'], dir);

describe('a method plugin written outside the repository', () => {
  it('passes describeMethodConformance with packed packages and is used by id from the CLI, with no repository file changed', async () => {
    const status0 = await run('git', ['status', '--porcelain'], root);
    const tarballs = await packPackages(path.join(work, 'tarballs'));
    for (const p of ['@crossedit/core', '@crossedit/testing', '@crossedit/cli', '@crossedit/method-rome', '@crossedit/backbone-tiny']) expect(tarballs.has(p), p).toBe(true);

    // each tarball as published: publint (files, exports, metadata) and arethetypeswrong (types resolve for ESM)
    for (const [name, tgz] of tarballs) {
      await expect(run(bin('publint'), [tgz], work), `publint ${name}`).resolves.not.toMatch(/Errors:/);
      await run(bin('attw'), [tgz, '--profile', 'esm-only', '--format', 'ascii'], work).catch((e: Error) => {
        throw new Error(`attw ${name}: ${e.message}`);
      });
    }

    // the plugin author's folder
    const plugin = path.join(work, 'crossedit-method-sgd');
    cpSync(path.join(root, 'docs/examples/crossedit-method-sgd'), plugin, { recursive: true });
    pointAtTarballs(path.join(plugin, 'package.json'), tarballs);
    await install(plugin);
    const conf = await run('pnpm', ['exec', 'vitest', 'run', '--reporter=verbose'], plugin);
    expect(conf).toMatch(/conforms to the method contract/);
    expect(conf).toMatch(/restore\(\) gives back the weights and memory/);
    expect(conf).not.toMatch(/\bfailed\b|\bskipped\b/);

    // a user's project: the CLI and the plugin installed beside each other
    const project = path.join(work, 'project');
    mkdirSync(project);
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'my-edits', private: true, type: 'module', dependencies: { '@crossedit/cli': '*' } }));
    pointAtTarballs(path.join(project, 'package.json'), tarballs, { 'crossedit-method-sgd': `file:${plugin}` });
    await install(project);
    const cli = path.join(project, 'node_modules/@crossedit/cli/bin/crossedit.js');
    const out = await run('node', [cli, 'edit', '--backend', 'cpu', '--method', 'sgd', '--hparam', 'steps=3', '--prompt', 'The capital of France is', '--subject', 'France', '--target', 'Rome'], project);
    expect(out).toMatch(/^sgd on tiny \(cpu\)/m);
    expect(out).toMatch(/diagnostics: firstLoss=[\d.]+ finalLoss=[\d.]+/);
    expect(out).toContain('restore(): weights identical to the original');

    expect(await run('git', ['status', '--porcelain'], root)).toBe(status0);
  }, 600_000);
});
