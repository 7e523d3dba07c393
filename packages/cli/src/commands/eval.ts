import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  biZsreCase,
  formatTable,
  loadBiZsre,
  loadZsre,
  parseIdList,
  parseSchedule,
  ResultsWriter,
  runEval,
  scheduleName,
  scoringRules,
  selectSubset,
  tokenizeForF1,
  zsreCase,
  DEFAULT_F1_TOKENIZER,
  type EditCase,
  type ScorerMode,
} from '@crossedit/eval';
import type { EditSurface } from '@crossedit/core';
import { loadTokenizer } from '@crossedit/tokenizers';
import { weightsHash } from '@crossedit/transformer';
import type { Command } from '../args.js';
import { resolveMethod } from '../plugins.js';
import { required } from '../args.js';
import { UsageError } from '../backend.js';
import { ProgressBar } from '../progress.js';
import { METHOD_OPTIONS, MODEL_OPTIONS, openMethod, openModel } from '../session.js';
import { sharedDir } from '../shared.js';

/** Loads the dataset's cases for a source language (Bi-ZsRE / MzsRE, or ZsRE-format). */
export function loadCases(file: string, srcLang: string, opts: { limit?: number; ids?: number[]; mode: ScorerMode; edits?: EditSurface }): { cases: EditCase[]; languages: string[]; name: string; sha256: string } {
  let first: unknown;
  try {
    first = (JSON.parse(readFileSync(file, 'utf8')) as unknown[])[0];
  } catch (e) {
    throw new UsageError(`cannot read dataset ${file}: ${(e as Error).message}`);
  }
  const isBi = !!first && typeof first === 'object' && !('src' in (first as object));
  if (isBi) {
    const ds = loadBiZsre(file);
    if (!ds.languages.includes(srcLang)) throw new UsageError(`--source-lang ${srcLang}: ${file} has ${ds.languages.join(' and ')}`);
    const records = selectSubset(ds.records, { limit: opts.limit, ids: opts.ids }, file, ds.total);
    return { cases: records.map((r) => biZsreCase(r, ds.languages, srcLang, { mode: opts.mode, edits: opts.edits })), languages: [...ds.languages], name: ds.name, sha256: ds.sha256 };
  }
  const ds = loadZsre(file, srcLang, { extraKeys: 'ignore' });
  const records = selectSubset(ds.records, { limit: opts.limit, ids: opts.ids }, file, ds.total);
  return { cases: records.map((r) => zsreCase(r, srcLang)), languages: [srcLang], name: ds.name, sha256: ds.sha256 };
}

/** `crossedit eval`: one method × backbone × source language over a dataset. */
export const evalCommand: Command = {
  name: 'eval',
  summary: 'evaluate a method on a Bi-ZsRE / ZsRE dataset, writing resumable results',
  usage: 'eval --backbone ID [--model-dir DIR] --method ID --data FILE --source-lang en|zh --out DIR [--limit N] [--ids 0-9,15]',
  options: {
    ...MODEL_OPTIONS,
    ...METHOD_OPTIONS,
    data: { type: 'string', help: 'dataset file (Bi-ZsRE/MzsRE test or ZsRE format)', arg: 'FILE' },
    'source-lang': { type: 'string', help: 'language of the edits', arg: 'CODE', default: 'en' },
    out: { type: 'string', help: 'results directory (resumes when it exists)', arg: 'DIR' },
    limit: { type: 'string', help: 'first N records only', arg: 'N' },
    ids: { type: 'string', help: 'record indices, e.g. 0-9,15', arg: 'LIST' },
    schedule: { type: 'string', help: 'single, batch:N or sequential:N', arg: 'S', default: 'single' },
    scorer: { type: 'string', help: "'correct' or 'bizsre-2023' (the paper's quirks)", arg: 'MODE', default: 'correct' },
    'f1-tokenizer': { type: 'string', help: 'tokenizer for F1 (default: Chinese-LLaMA-Plus from ../shared)', arg: 'FILE' },
    'verify-restore': { type: 'boolean', help: 'hash the weights after every restore (slow on 7B models)' },
  },
  async run(values) {
    const data = required(values, 'data');
    const out = required(values, 'out');
    const srcLang = String(values['source-lang']);
    const mode = String(values.scorer) as ScorerMode;
    const rules = scoringRules(mode);
    const schedule = parseSchedule(String(values.schedule));
    const limit = values.limit === undefined ? undefined : Number(values.limit);
    if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new UsageError(`--limit must be a positive integer (got '${values.limit}')`);
    const ids = values.ids ? parseIdList(String(values.ids)) : undefined;
    const method = await resolveMethod((values.method as string) ?? 'rome'); // fail fast on a bad id
    const s = await openModel(values);
    const m = await openMethod(values, s, method);
    const { cases, languages, name, sha256 } = loadCases(data, srcLang, { limit, ids, mode, edits: m.method.edits });
    if (!m.method.supports.batch && schedule.kind === 'batch') throw new UsageError(`method '${m.method.id}' does not support batch edits`);
    if (!m.method.supports.sequential && schedule.kind === 'sequential') throw new UsageError(`method '${m.method.id}' does not support sequential edits`);
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
    const writer = await ResultsWriter.open(out, {
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
    });
    const already = cases.filter((c) => writer.isDone(c.request.id)).length;
    if (already) process.stderr.write(`resuming: ${already} of ${cases.length} edits already in ${out}\n`);
    const bar = new ProgressBar(`${m.method.id} ${srcLang}→${languages.join('/')}`, cases.length);
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
        writer,
        context: m.context,
        onProgress: (d, _t, id) => bar.update(d, id),
        weightsHash: values['verify-restore'] ? () => weightsHash(s.model) : undefined,
      });
    } finally {
      bar.finish();
      await writer.close();
    }
    process.stdout.write(`\n${formatTable(table, { title: `${m.method.id} on ${s.backbone.id}, edits in ${srcLang} (${name}, ${mode} scoring)` })}\n`);
    process.stdout.write(`results: ${out}/results.jsonl and results.binpb\n`);
    s.model.dispose();
    s.backend.dispose();
  },
};
