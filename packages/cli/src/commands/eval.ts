import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  biZsreCase,
  formatTable,
  parseBiZsre,
  parseJson,
  parseZsre,
  readTextFile,
  parseIdList,
  parseSchedule,
  acquireResultsLock,
  checkSchedule,
  ResultsDirError,
  ResultsWriter,
  runEval,
  scheduleName,
  scoringRules,
  selectSubset,
  tokenizeForF1,
  zsreCase,
  DEFAULT_F1_TOKENIZER,
  type DirLock,
  type EditCase,
  type ScorerMode,
} from '@crossedit/eval';
import type { EditSurface } from '@crossedit/core';
import { loadTokenizer } from '@crossedit/tokenizers';
import { weightsHash } from '@crossedit/transformer';
import type { Command } from '../args.js';
import { resolveMethod } from '../plugins.js';
import { intOption, languageOption, required } from '../args.js';
import { UsageError } from '../backend.js';
import { ProgressBar } from '../progress.js';
import { METHOD_OPTIONS, MODEL_OPTIONS, openMethod, openModel, precheckHparams } from '../session.js';
import { sharedDir } from '../shared.js';

/** `--ids` checked against the dataset's size (fast, before any range is expanded). */
function idsOf(ids: string | number[] | undefined, total: number): number[] | undefined {
  if (ids === undefined || Array.isArray(ids)) return ids;
  try {
    return parseIdList(ids, total);
  } catch (e) {
    throw new UsageError(`--ids: ${(e as Error).message}`);
  }
}

/** How many of the loader's warnings are printed before the rest is summarised. */
const LISTED_WARNINGS = 5;

/** Prints a dataset's warnings once: the first few, then how many more there are. */
export function printDatasetWarnings(file: string, warnings: readonly string[], write: (s: string) => void = (s) => process.stderr.write(s)): void {
  for (const w of warnings.slice(0, LISTED_WARNINGS)) write(`warning: ${file}: ${w}\n`);
  if (warnings.length > LISTED_WARNINGS) write(`warning: ${file}: … and ${warnings.length - LISTED_WARNINGS} more warnings of the loader\n`);
}

/**
 * Loads the dataset's cases for a source language (Bi-ZsRE / MzsRE, or ZsRE-format), with the loader's
 * warnings (e.g. a subject that does not occur in its question).
 */
export function loadCases(
  file: string,
  srcLang: string,
  opts: { limit?: number; ids?: string | number[]; mode: ScorerMode; edits?: EditSurface },
): { cases: EditCase[]; languages: string[]; name: string; sha256: string; warnings: readonly string[] } {
  // read once: a missing file, bytes that are not UTF-8 and bad JSON are FormatErrors naming the file
  const f = readTextFile(file);
  const parsed = parseJson(f.text, file);
  const first: unknown = Array.isArray(parsed) ? parsed[0] : undefined;
  const isBi = !!first && typeof first === 'object' && !('src' in (first as object));
  const meta = { name: f.name, sha256: f.sha256 };
  if (isBi) {
    const ds = parseBiZsre(f.text, file, {}, meta);
    if (!ds.languages.includes(srcLang)) throw new UsageError(`--source-lang ${srcLang}: ${file} has ${ds.languages.join(' and ')}`);
    const records = selectSubset(ds.records, { limit: opts.limit, ids: idsOf(opts.ids, ds.total) }, file, ds.total);
    return { cases: records.map((r) => biZsreCase(r, ds.languages, srcLang, { mode: opts.mode, edits: opts.edits })), languages: [...ds.languages], name: ds.name, sha256: ds.sha256, warnings: ds.warnings };
  }
  const ds = parseZsre(f.text, file, srcLang, { extraKeys: 'ignore' }, meta);
  const records = selectSubset(ds.records, { limit: opts.limit, ids: idsOf(opts.ids, ds.total) }, file, ds.total);
  return { cases: records.map((r) => zsreCase(r, srcLang)), languages: [srcLang], name: ds.name, sha256: ds.sha256, warnings: ds.warnings };
}

/** `crossedit eval`: one method × backbone × source language over a dataset. */
/**
 * `--classifier-dir` / `--cf-model-dir`: SERAC's component directories, passed on as its `classifierDir`
 * / `cfModelDir` hyperparameters (a method without them refuses the flags).
 */
function componentDirHparams(values: Record<string, unknown>, method: { id: string; hparams: Record<string, unknown> }): void {
  for (const [flag, key] of [
    ['classifier-dir', 'classifierDir'],
    ['cf-model-dir', 'cfModelDir'],
  ] as const) {
    const dir = values[flag] as string | undefined;
    if (dir === undefined) continue;
    if (!(key in method.hparams)) throw new UsageError(`--${flag} applies to SERAC (a method with a '${key}' hyperparameter); '${method.id}' has none`);
    if (!existsSync(dir)) throw new UsageError(`--${flag} ${path.resolve(dir)}: directory not found`);
    values.hparam = [...((values.hparam as string[] | undefined) ?? []), `${key}=${path.resolve(dir)}`];
  }
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'evaluate a method on a Bi-ZsRE / ZsRE dataset, writing resumable results',
  usage: 'eval --backbone ID [--model-dir DIR] --method ID --data FILE --source-lang en|zh --out DIR [--limit N] [--ids 0-9,15] [--dtype auto|f32|f16]',
  options: {
    ...MODEL_OPTIONS,
    ...METHOD_OPTIONS,
    data: { type: 'string', help: 'dataset file (Bi-ZsRE/MzsRE test or ZsRE format)', arg: 'FILE' },
    'source-lang': { type: 'string', help: 'language of the edits', arg: 'CODE', default: 'en' },
    out: { type: 'string', help: 'results directory (resumes when it exists)', arg: 'DIR' },
    limit: { type: 'string', help: 'first N records only', arg: 'N' },
    ids: { type: 'string', help: 'record indices, e.g. 0-9,15', arg: 'LIST' },
    schedule: { type: 'string', help: 'single, batch:N or sequential:N', arg: 'S', default: 'single' },
    scorer: { type: 'string', help: "'correct', 'bizsre-2023' (the paper's code, its tables) or 'bizsre-2024' (its later revision); see docs/scoring.md", arg: 'MODE', default: 'correct' },
    'f1-tokenizer': { type: 'string', help: 'tokenizer for F1 (default: Chinese-LLaMA-Plus from ../shared)', arg: 'FILE' },
    'verify-restore': { type: 'boolean', help: 'hash the weights after every restore (slow on 7B models)' },
    'classifier-dir': { type: 'string', help: "SERAC: the BERT-family encoder directory its artifact was trained with (hparam classifierDir)", arg: 'DIR' },
    'cf-model-dir': { type: 'string', help: "SERAC: the counterfactual model's checkpoint directory its artifact was trained with (hparam cfModelDir)", arg: 'DIR' },
  },
  async run(values) {
    const data = required(values, 'data');
    const out = required(values, 'out');
    const srcLang = languageOption(values, 'source-lang');
    const mode = String(values.scorer) as ScorerMode;
    const rules = scoringRules(mode);
    const schedule = parseSchedule(String(values.schedule));
    const limit = intOption(values, 'limit', 1);
    const method = await resolveMethod((values.method as string) ?? 'rome'); // fail fast on a bad id
    componentDirHparams(values, method);
    precheckHparams(values, method);
    try {
      checkSchedule(method, schedule);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    // the output directory and the dataset are checked before the model loads (seconds to minutes)
    let lock: DirLock;
    try {
      lock = acquireResultsLock(out);
    } catch (e) {
      if (e instanceof ResultsDirError) throw new UsageError(`--out: ${e.message}`);
      throw e;
    }
    let writer: ResultsWriter | undefined;
    try {
      const { cases, languages, name, sha256, warnings } = loadCases(data, srcLang, { limit, ids: values.ids as string | undefined, mode, edits: method.edits });
      printDatasetWarnings(data, warnings);
      const s = await openModel(values);
      const m = await openMethod(values, s, method);
      let f1Path = values['f1-tokenizer'] as string | undefined;
      if (!f1Path && sharedDir()) f1Path = path.join(sharedDir()!, 'tokenizers', DEFAULT_F1_TOKENIZER, 'tokenizer.model');
      let f1Tok = s.tokenizer;
      let f1Id = `${s.backbone.id} (the backbone's own)`;
      try {
        if (f1Path) {
          f1Tok = await loadTokenizer(f1Path);
          f1Id = path.basename(path.dirname(f1Path));
        } else process.stderr.write(`warning: no F1 tokenizer found; using the backbone's (pass --f1-tokenizer)\n`);
      } catch (e) {
        throw new UsageError(`--f1-tokenizer ${f1Path}: ${(e as Error).message}`);
      }
      const hash = await weightsHash(s.model);
      const w = await ResultsWriter.open(
        out,
        {
          method: m.method.id,
          backbone: s.backbone.id,
          sourceLang: srcLang,
          dataset: name,
          datasetSha256: sha256,
          hparams: m.hparams as Record<string, unknown>,
          weightsHash: hash,
          scorerMode: mode,
          created: new Date().toISOString(),
          evalLangs: languages,
          schedule: scheduleName(schedule),
          f1Tokenizer: f1Id,
          backend: s.backend.name,
          weightDtype: s.weightDtype,
        },
        { lock },
      );
      writer = w;
      for (const msg of w.recovery.messages) process.stderr.write(`resume: ${msg}\n`);
      const already = cases.filter((c) => w.isDone(c.request.id)).length;
      if (already) process.stderr.write(`resuming: ${already} of ${cases.length} edits already in ${out}\n`);
      const bar = new ProgressBar(`${m.method.id} ${srcLang}→${languages.join('/')} (${s.weightDtype} weights)`, cases.length);
      bar.update(already);
      let table;
      try {
        table = await runEval({
          model: s.model,
          tokenizer: s.tokenizer,
          backbone: { id: s.backbone.id, config: s.model.config },
          method: m.method,
          hparams: m.hparams,
          cases,
          schedule,
          rules,
          f1Tokenize: tokenizeForF1(f1Tok),
          writer: w,
          context: m.context,
          onProgress: (d, _t, id) => bar.update(d, id),
          weightsHash: values['verify-restore'] ? () => weightsHash(s.model) : undefined,
        });
      } finally {
        bar.finish();
        await w.close();
      }
      process.stdout.write(`\n${formatTable(table, { title: `${m.method.id} on ${s.backbone.id}, edits in ${srcLang} (${name}, ${mode} scoring)` })}\n`);
      process.stdout.write(`results: ${out}/results.jsonl and results.binpb\n`);
      s.model.dispose();
      s.backend.dispose();
    } finally {
      if (writer) await writer.close();
      else lock.release();
    }
  },
};
