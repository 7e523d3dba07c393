/** Reads a results folder's `report.json` back (for `grid merge`). */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { GridReport } from './report.js';

/**
 * The `report.json` of a grid results folder.
 * @throws Error naming the file when it is missing or is not a grid report.
 */
export function readReportJson(dir: string): GridReport {
  const f = path.join(dir, 'report.json');
  if (!existsSync(f)) throw new Error(`${dir}: no report.json (the grid writes it when a run ends; run the shard to completion first)`);
  const r = JSON.parse(readFileSync(f, 'utf8')) as GridReport;
  if (!Array.isArray(r.rows) || !Array.isArray(r.languages)) throw new Error(`${f}: fields "rows" and "languages": expected lists (not a grid report)`);
  return r;
}
