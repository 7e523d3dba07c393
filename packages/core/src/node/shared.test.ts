import { mkdirSync, mkdtempSync, rmSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sharedDir } from './shared.js';

const root = realpathSync(mkdtempSync(path.join(tmpdir(), 'ce-shared-')));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('sharedDir', () => {
  it('is $CROSSEDIT_SHARED, else the nearest ../shared from the current directory up, never from the install location', () => {
    const saved = process.env.CROSSEDIT_SHARED;
    try {
      delete process.env.CROSSEDIT_SHARED;
      mkdirSync(path.join(root, 'shared'));
      mkdirSync(path.join(root, 'repo/packages/x'), { recursive: true });
      expect(sharedDir(path.join(root, 'repo'))).toBe(path.join(root, 'shared'));
      expect(sharedDir(path.join(root, 'repo/packages/x'))).toBe(path.join(root, 'shared'));
      process.env.CROSSEDIT_SHARED = path.join(root, 'elsewhere');
      expect(sharedDir(path.join(root, 'repo'))).toBe(path.join(root, 'elsewhere'));
    } finally {
      if (saved === undefined) delete process.env.CROSSEDIT_SHARED;
      else process.env.CROSSEDIT_SHARED = saved;
    }
  });
});
