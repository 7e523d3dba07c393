/**
 * Saves a PNG screenshot of a grid report page (full page) with headless Debian chromium.
 *
 *   node --conditions=@crossedit/source --import tsx benchmarks/scripts/screenshot.ts out/grid/report.html docs/grid/report.png
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchChromium } from '../src/grid/testing/chromium.js';

const [html, png] = process.argv.slice(2);
if (!html || !png) throw new Error('usage: screenshot.ts REPORT.html OUT.png');
const profile = mkdtempSync(path.join(tmpdir(), 'ce-shot-'));
const ctx = await launchChromium(profile, { width: 1500, height: 1000 });
try {
  const page = await ctx.newPage();
  await page.goto(pathToFileURL(path.resolve(html)).href);
  await page.screenshot({ path: png, fullPage: true });
  process.stdout.write(`${png}\n`);
} finally {
  await ctx.close();
  rmSync(profile, { recursive: true, force: true });
}
