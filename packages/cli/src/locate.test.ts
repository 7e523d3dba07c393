import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { activeConditions, locatePackage, packageEntry } from './locate.js';
import { resolveMethod } from './plugins.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A project folder with `node_modules/<name>` holding a plain-JS method plugin. */
function project(name: string, description: string): string {
  const root = mkdtempSync(path.join(tmpdir(), 'ce-proj-'));
  dirs.push(root);
  const dir = path.join(root, 'node_modules', ...name.split('/'));
  mkdirSync(path.join(dir, 'lib'), { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, type: 'module', exports: { '.': { types: './lib/index.d.ts', default: './lib/index.js' } } }));
  const id = name.replace(/^(@crossedit\/|crossedit-)method-/, '');
  writeFileSync(
    path.join(dir, 'lib/index.js'),
    `export default { id: ${JSON.stringify(id)}, description: ${JSON.stringify(description)}, hparams: {}, requires: () => ({ gradients: false }), supports: { batch: false, sequential: false }, apply: async () => { throw new Error('unused'); } };\n`,
  );
  return root;
}

describe('plugin resolution', () => {
  it('finds a plugin installed in the user project by id, from a subfolder too', async () => {
    const root = project('@crossedit/method-zeta', 'installed beside the CLI');
    const sub = path.join(root, 'work', 'deep');
    mkdirSync(sub, { recursive: true });
    expect((await resolveMethod('zeta', { from: [sub] })).description).toBe('installed beside the CLI');
    // without the project the id is unknown, and the message says where it looked and how to install
    await expect(resolveMethod('zeta', { from: [tmpdir()] })).rejects.toThrow(/@crossedit\/method-zeta or crossedit-method-zeta .*pnpm add @crossedit\/method-zeta/);
    // a plugin published outside the scope, as crossedit-method-<id>
    const other = project('crossedit-method-eta', 'community plugin');
    expect((await resolveMethod('eta', { from: [other] })).id).toBe('eta');
  });

  it("prefers the project's copy over the CLI's own default", async () => {
    const root = project('@crossedit/method-rome', 'the project pinned another ROME');
    expect((await resolveMethod('rome', { from: [root] })).description).toBe('the project pinned another ROME');
    expect((await resolveMethod('rome', { from: [tmpdir()] })).description).toMatch(/^ROME/);
  });

  it('refuses a plugin written for the old contract (requires as an object)', async () => {
    const root = project('@crossedit/method-old', 'old');
    const file = path.join(root, 'node_modules/@crossedit/method-old/lib/index.js');
    writeFileSync(file, `export default { id: 'old', description: 'old', hparams: {}, requires: { gradients: true }, supports: { batch: false, sequential: false }, apply: async () => {} };\n`);
    await expect(resolveMethod('old', { from: [root] })).rejects.toThrow(/'requires' must be a function/);
  });

  it('picks the entry by active conditions, falling back to a target that exists', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'ce-entry-'));
    dirs.push(root);
    mkdirSync(path.join(root, 'src'));
    writeFileSync(path.join(root, 'src/index.ts'), '');
    const pkg = { exports: { '.': { '@crossedit/source': './src/index.ts', types: './dist/index.d.ts', default: './dist/index.js' } } };
    expect(packageEntry(root, pkg, new Set(['import', 'default', '@crossedit/source']))).toBe(path.join(root, 'src/index.ts'));
    // no build yet: dist/index.js is missing, the source entry exists
    expect(packageEntry(root, pkg, new Set(['import', 'default']))).toBe(path.join(root, 'src/index.ts'));
    mkdirSync(path.join(root, 'dist'));
    writeFileSync(path.join(root, 'dist/index.js'), '');
    expect(packageEntry(root, pkg, new Set(['import', 'default']))).toBe(path.join(root, 'dist/index.js'));
    expect(() => packageEntry(root, { exports: { './x': './x.js' } }, new Set(['default']))).toThrow(/package\.json: field "exports" has no "\." entry/);
    expect(locatePackage('@crossedit/nothing-here', root)).toBeUndefined();
  });

  it('reads --conditions from the command line and NODE_OPTIONS', () => {
    const c = activeConditions(['--conditions=@crossedit/source', '-C', 'dev'], '--conditions=x --max-old-space-size=100');
    expect([...c].sort()).toEqual(['@crossedit/source', 'default', 'dev', 'import', 'node', 'x']);
  });
});
