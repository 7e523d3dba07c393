/**
 * Convention checks over the workspace: every plugin's id equals its folder, every package has a
 * README, method plugins never name a model, published packages export types first.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const dirs = (parent: string) =>
  readdirSync(path.join(root, parent), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(root, parent, d.name, 'package.json')))
    .map((d) => path.join(parent, d.name));
const packages = [...dirs('packages'), ...dirs('plugins')];

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(path.join(dir, d.name)) : [path.join(dir, d.name)]));
}

describe('workspace conventions', () => {
  it.each(packages)('%s has a README, TSDoc entry and a publishable package.json', (dir) => {
    const pj = JSON.parse(readFileSync(path.join(root, dir, 'package.json'), 'utf8'));
    expect(existsSync(path.join(root, dir, 'README.md')), `${dir}/README.md`).toBe(true);
    expect(existsSync(path.join(root, dir, 'LICENSE')), `${dir}/LICENSE (shipped by pnpm pack)`).toBe(true);
    expect(pj.license).toBe('Apache-2.0');
    expect(pj.name).toBe(`@crossedit/${path.basename(dir)}`);
    expect(pj.type).toBe('module');
    expect(Object.keys(pj.exports['.'])).toEqual(['@crossedit/source', 'types', 'default']);
    expect(pj.files).toContain('dist');
    expect(readFileSync(path.join(root, dir, 'src/index.ts'), 'utf8')).toMatch(/^\/\*\*/);
  });

  // found by folder: a new plugin needs no entry in any list or package.json outside its own folder
  it.each(dirs('plugins'))('%s default-exports a plugin whose id is its folder name', async (dir) => {
    const pj = JSON.parse(readFileSync(path.join(root, dir, 'package.json'), 'utf8'));
    const mod = await import(pathToFileURL(path.join(root, dir, pj.exports['.']['@crossedit/source'])).href);
    const id = path.basename(dir).replace(/^(method|backbone)-/, '');
    expect(mod.default?.id).toBe(id);
  });

  it('method plugins name no model or backbone in code', () => {
    const banned = /\b(llama|baichuan|chinese-llama|gpt-?2|gpt-?j|stories260k)\b/i;
    const offenders: string[] = [];
    for (const dir of dirs('plugins').filter((d) => d.includes('method-'))) {
      for (const f of walk(path.join(root, dir, 'src')).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.includes(`${path.sep}testing${path.sep}`))) {
        readFileSync(f, 'utf8')
          .split('\n')
          .forEach((line, i) => {
            const code = line.trim();
            // comments may cite where a default came from; code may not branch on a model
            if (code.startsWith('*') || code.startsWith('//') || code.startsWith('/*')) return;
            if (banned.test(code.replace(/\/\/.*$/, ''))) offenders.push(`${path.relative(root, f)}:${i + 1}: ${line.trim()}`);
          });
      }
    }
    expect(offenders).toEqual([]);
  });

  it('the CLI depends on its default plugins only (others resolve from the user project)', () => {
    const deps = Object.keys(JSON.parse(readFileSync(path.join(root, 'packages/cli/package.json'), 'utf8')).dependencies ?? {});
    expect(deps.filter((d) => /^@crossedit\/(method|backbone)-/.test(d)).sort()).toEqual(['@crossedit/backbone-tiny', '@crossedit/method-rome']);
  });

  it('benchmark and test packages are private (changesets leaves them out)', () => {
    for (const p of ['benchmarks/package.json', 'test/package.json']) expect(JSON.parse(readFileSync(path.join(root, p), 'utf8')).private).toBe(true);
  });
});
