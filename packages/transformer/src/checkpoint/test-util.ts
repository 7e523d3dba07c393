/** Paths and helpers shared by the checkpoint tests (not exported from the package). */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';

/** The committed golden fixtures. */
export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
/** The shared data folder (`../shared` next to the repo, or `$CROSSEDIT_SHARED`). */
export const SHARED = process.env.CROSSEDIT_SHARED ?? nodePath.resolve(REPO_ROOT, '../shared');

/** A tensor as recorded by make_fixtures.py. */
export interface Expected {
  dtype: string;
  shape: number[];
  values: number[] | null;
}

/** `expected.json`, written by make_fixtures.py. */
export const EXPECTED = JSON.parse(readFileSync(nodePath.join(FIXTURES, 'expected.json'), 'utf8')) as Record<
  string,
  Record<string, Expected>
>;

/** A fixture's path. */
export function fixture(...parts: string[]): string {
  return nodePath.join(FIXTURES, ...parts);
}

/** A fresh temporary directory. */
export function tempDir(): string {
  return mkdtempSync(nodePath.join(tmpdir(), 'crossedit-ckpt-'));
}
