/**
 * Regenerates `src/grid/paper/published.json` (the paper's F1 / EM results, as data) from the results tables
 * of the Bi-ZsRE repository's README (`krystalan/Bi-ZsRE`, section "4.2 Results": one table per backbone,
 * cells "F1 / EM"). Facts only: the numbers and where each comes from.
 *
 *   node --import tsx benchmarks/scripts/extract-published.ts README.md <commit> > benchmarks/src/grid/paper/published.json
 */
import { readFileSync } from 'node:fs';

const [file, commit] = process.argv.slice(2);
if (!file || !commit) throw new Error('usage: extract-published.ts README.md <commit>');
const lines = readFileSync(file, 'utf8').split('\n');
const BACKBONES: Record<string, string> = { 'Chinese-LLaMA-7B': 'chinese-llama', 'Chinese-LLaMA2-7B': 'chinese-llama2', 'BaiChuan-7B': 'baichuan' };
const COLUMNS = ['reliability', 'generality.en', 'generality.zh', 'locality.en', 'locality.zh', 'portability.en', 'portability.zh'];
const tables: unknown[] = [];
let current: { backbone: string; title: string; line: number; rows: unknown[] } | undefined;
lines.forEach((raw, i) => {
  const head = /^The results \(F1\/EM score\) of using \[([^\]]+)\]/.exec(raw);
  if (head) {
    const backbone = BACKBONES[head[1]];
    if (!backbone) throw new Error(`${file}:${i + 1}: unknown backbone ${head[1]}`);
    current = { backbone, title: head[1], line: i + 1, rows: [] };
    tables.push(current);
    return;
  }
  const row = /^\|?\s*([A-Z]+) \((En|Zh)\)\s*\|(.*)$/.exec(raw.trim());
  if (!row || !current) return;
  const cells = row[3].split('|').map((s) => s.trim()).filter(Boolean);
  if (cells.length !== COLUMNS.length) throw new Error(`${file}:${i + 1}: expected ${COLUMNS.length} cells, got ${cells.length}`);
  const f1: number[] = [];
  const em: number[] = [];
  for (const c of cells) {
    const m = /^(\d+\.\d+) \/ (\d+\.\d+)$/.exec(c);
    if (!m) throw new Error(`${file}:${i + 1}: cell ${JSON.stringify(c)} is not "F1 / EM"`);
    f1.push(Number(m[1]));
    em.push(Number(m[2]));
  }
  current.rows.push({ method: row[1].toLowerCase(), label: `${row[1]} (${row[2]})`, sourceLang: row[2].toLowerCase(), line: i + 1, f1, em });
});
const out = {
  format: 'crossedit.published/1',
  source: {
    paper: 'Wang et al., Cross-Lingual Knowledge Editing in Large Language Models, arXiv 2309.08952',
    repository: 'krystalan/Bi-ZsRE',
    commit,
    file: 'README.md',
    section: '4.2 Results',
    note: 'the README says these differ slightly from the paper V1 because of data updating and bug fixing; they are the authors\' updated versions of the paper\'s result tables',
  },
  columns: COLUMNS,
  scale: 'x100',
  tables,
};
process.stdout.write(JSON.stringify(out, null, 1) + '\n');
