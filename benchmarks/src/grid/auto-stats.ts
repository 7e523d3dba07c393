/**
 * MEMIT's second-moment statistics, built on first use so the grid never skips MEMIT: when no statistics
 * directory is configured, the grid builds them (resumably, content-addressed, with `@crossedit/stats`'
 * `buildSecondMoments`) into `.cache/crossedit/stats/<backbone>/` from a documented corpus:
 * the first `samples` lines of MzsRE's line-aligned training facts, English and Chinese interleaved
 * (`../shared/data/mzsre/train/zsre_mend_train_{en,zh}_10000.txt`, "question answer" per line). The
 * reference uses 100,000 Wikipedia articles, which a 7B backbone should be given with `--stats-dir`
 * (artifacts from `crossedit stats`); for the embedded tiny model, which knows only such facts, its own
 * training distribution is the right corpus.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LanguageModel, Tokenizer } from '@crossedit/core';
import { ProgressBar } from '@crossedit/cli';
import { buildSecondMoments } from '@crossedit/stats';
import { acquireResultsLock, ResultsLockedError, type DirLock } from '@crossedit/eval';
import { repoRoot, sharedDir } from './grid.config.js';

/** What the automatic statistics are built from. */
export interface AutoStatsSpec {
  /** Line-aligned `question<TAB>answer` files, interleaved line by line (default MzsRE en and zh training facts). */
  sources?: string[];
  /** Samples (lines of the interleaved corpus) to read (default 2000). */
  samples?: number;
}

/** Where the grid keeps the statistics it builds for a backbone (`<cacheRoot>/stats/<backbone>`, default `<repo>/.cache/crossedit`). */
export function defaultStatsDir(backboneId: string, cacheRoot: string = path.join(repoRoot, '.cache/crossedit')): string {
  return path.join(cacheRoot, 'stats', backboneId);
}

/** The default corpus sources. */
export function defaultStatsSources(): string[] {
  return ['en', 'zh'].map((l) => path.join(sharedDir(), `data/mzsre/train/zsre_mend_train_${l}_10000.txt`));
}

/**
 * Writes the interleaved corpus (once; its name carries the sample count) and returns its path.
 * @throws Error naming a source file that is missing.
 */
export function statsCorpus(dir: string, sources: readonly string[], samples: number): string {
  const out = path.join(dir, `corpus-${sources.map((s) => path.basename(s).replace(/\.txt$/, '')).join('+')}-${samples}.txt`);
  if (existsSync(out)) return out;
  const per = Math.ceil(samples / sources.length);
  const cols = sources.map((f) => {
    if (!existsSync(f)) throw new Error(`statistics corpus: ${f} does not exist (set CROSSEDIT_SHARED, or pass --stats-dir with artifacts built by \`crossedit stats\`)`);
    return readFileSync(f, 'utf8').split('\n').filter((l) => l.trim()).slice(0, per).map((l) => l.replace(/\s*\t\s*/, ' ').trim());
  });
  const lines: string[] = [];
  for (let i = 0; i < per && lines.length < samples; i++) for (const c of cols) if (c[i] && lines.length < samples) lines.push(c[i]);
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${out}.tmp`, lines.join('\n') + '\n');
  renameSync(`${out}.tmp`, out);
  return out;
}

/** Builds (or resumes, or finds) the statistics of `layers`. */
export async function ensureStats(o: {
  model: LanguageModel;
  tokenizer: Tokenizer;
  backboneId: string;
  layers: readonly number[];
  dir: string;
  weightsHash: string;
  log: (m: string) => void;
  progress: boolean;
  spec?: AutoStatsSpec;
}): Promise<void> {
  // one builder at a time (`grid --jobs N` workers share the cache): the others wait, then find it built
  const lock = await waitForLock(path.join(o.dir, '.build'), o.log);
  const samples = o.spec?.samples ?? 2000;
  const corpus = statsCorpus(o.dir, o.spec?.sources ?? defaultStatsSources(), samples);
  const bar = o.progress ? new ProgressBar(`statistics ${o.backboneId} layers ${o.layers.join(',')}`, samples) : undefined;
  try {
    const r = await buildSecondMoments({
      model: o.model,
      tokenizer: o.tokenizer,
      layers: o.layers,
      corpus,
      sampleCount: samples,
      outDir: o.dir,
      weightsHash: o.weightsHash,
      backboneId: o.backboneId,
      lang: 'en+zh',
      checkpointEveryMs: 10_000,
      onProgress: (p) => bar?.update(p.samples),
    });
    if (!r.skipped) o.log(`built statistics of layers ${o.layers.join(',')} in ${o.dir} from ${corpus} (${r.samples} samples, ${r.tokens} tokens, ${(r.elapsedMs / 1000).toFixed(1)} s${r.resumed ? ', resumed' : ''})`);
    if (!r.complete) throw new Error(`statistics build interrupted; run again to resume (${r.checkpoint})`);
  } finally {
    bar?.finish();
    lock.release();
  }
}

/** Takes the lock of `dir`, waiting (and saying so once) while another live process holds it. */
async function waitForLock(dir: string, log: (m: string) => void): Promise<DirLock> {
  for (let said = false; ; ) {
    try {
      return acquireResultsLock(dir, 'grid statistics build');
    } catch (e) {
      if (!(e instanceof ResultsLockedError) || !e.holder) throw e;
      if (!said) log(`waiting for process ${e.holder.pid}, which is building these statistics`);
      said = true;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
