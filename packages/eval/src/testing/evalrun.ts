/**
 * Test-only: runs a method through `@crossedit/eval`'s edit → evaluate → restore loop on a few Bi-ZsRE
 * records in both source languages, on a tiny random LLaMA with a word tokenizer (what
 * `crossedit eval --method <id>` does, minus argument parsing and model loading).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Rng, parseHparams, type EditMethod } from '@crossedit/core';
import { ResultsWriter, biZsreCase, loadBiZsre, readResults, runEval, parseSchedule, scoringRules, selectSubset, tokenizeForF1, type AggregateTable, type EditRecord } from '../index.js';
import { cpuBackend, tinyLlama, vocabOf, weightsHash, wordTokenizer } from '@crossedit/testing/fixtures';
import { sharedDir } from './shared.js';

/** The shared data folder (see `./shared.ts`). */
export const SHARED = sharedDir();
/** The Bi-ZsRE test file used. */
export const BIZSRE = path.join(SHARED, 'data', 'bizsre', 'mzsre_test_duplicate_enzh.json');
/** Whether the shared data is here. */
export const HAVE_BIZSRE = existsSync(BIZSRE);

/** What {@link runBiZsre} returns. */
export interface BiZsreRun {
  table: AggregateTable;
  records: EditRecord[];
  /** Weights hash before the run and after it (every edit restored). */
  hashBefore: string;
  hashAfter: string;
}

/** Runs `method` with `over` on the first `limit` records, edits in en and in zh (single schedule). */
export async function runBiZsre<H>(method: EditMethod<H>, over: Partial<Record<string, unknown>>, opts: { limit?: number; cacheDir?: string; dataDir?: string } = {}): Promise<BiZsreRun> {
  cpuBackend();
  const ds = loadBiZsre(BIZSRE);
  const records = selectSubset(ds.records, { limit: opts.limit ?? 2 });
  const cases = (['en', 'zh'] as const).flatMap((src) => records.map((r) => biZsreCase(r, ds.languages, src, { edits: method.edits })));
  const tok = wordTokenizer(vocabOf(cases.flatMap((c) => [c.request.prompt, c.request.target, ...c.items.flatMap((i) => [i.prompt, i.target])])));
  const model = tinyLlama({ vocabSize: tok.vocabSize, seed: 1 });
  const backbone = { id: 'tiny-test', config: model.config };
  const hparams = parseHparams<H>(method.id, method.hparams, method.presets?.(backbone), over);
  const out = mkdtempSync(path.join(tmpdir(), `ce-e2e-${method.id}-`));
  const hashBefore = await weightsHash(model);
  try {
    const header = { method: method.id, backbone: 'tiny-test', sourceLang: 'en+zh', dataset: ds.name, hparams: hparams as Record<string, unknown>, scorerMode: 'correct' as const, created: '2026-01-01T00:00:00Z', evalLangs: [...ds.languages], schedule: 'single' };
    const writer = await ResultsWriter.open(out, header, { fsync: false });
    let table: AggregateTable;
    try {
      table = await runEval({
        model,
        tokenizer: tok,
        backbone,
        method,
        hparams,
        cases,
        schedule: parseSchedule('single'),
        rules: scoringRules('correct'),
        f1Tokenize: tokenizeForF1(tok),
        writer,
        context: { rng: new Rng(0), log: { info() {}, warn() {} }, cacheDir: opts.cacheDir, dataDir: opts.dataDir },
        weightsHash: () => weightsHash(model),
      });
    } finally {
      await writer.close();
    }
    const back = await readResults(out);
    return { table, records: back.records, hashBefore, hashAfter: await weightsHash(model) };
  } finally {
    model.dispose();
    rmSync(out, { recursive: true, force: true });
  }
}
