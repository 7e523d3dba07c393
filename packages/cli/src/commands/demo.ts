import { existsSync } from 'node:fs';
import path from 'node:path';
import type { EditRequest } from '@crossedit/core';
import { loadTrainingPairs } from '@crossedit/eval';
import { weightsHash } from '@crossedit/transformer';
import type { Command } from '../args.js';
import { resolveMethod } from '../plugins.js';
import { UsageError } from '../backend.js';
import { DTYPE_OPTION, openMethod, openModel } from '../session.js';
import { sharedDir } from '../shared.js';
import { answer } from './answers.js';

/** `crossedit demo`: ROME on the embedded bilingual model, one English edit, answers in both languages. */
export const demoCommand: Command = {
  name: 'demo',
  summary: 'edit one fact of the embedded bilingual model in English with ROME; show answers before/after in both languages',
  usage: 'demo [--fact N] [--target TEXT] [--source-lang en|zh] [--method ID] [--backend auto|webgpu|cpu|cpu-f32] [--dtype auto|f32|f16]',
  options: {
    fact: { type: 'string', help: 'training fact (line of the MzsRE training files) to edit', arg: 'N', default: '0' },
    target: { type: 'string', help: 'the new answer (default: the answer of --target-fact)', arg: 'TEXT' },
    'target-fact': { type: 'string', help: 'training fact whose answer becomes the new target', arg: 'N', default: '32' },
    paraphrase: { type: 'string', help: 'a paraphrase of the edit question', arg: 'TEXT', default: 'Which language is the mother tongue of Christiane Cohendy?' },
    unrelated: { type: 'string', help: 'training fact asked as the unrelated question', arg: 'N', default: '9' },
    'data-dir': { type: 'string', help: 'MzsRE training files (default ../shared/data/mzsre/train)', arg: 'DIR' },
    subject: { type: 'string', help: 'the subject in the edit question (default: found from --fact)', arg: 'TEXT' },
    'source-lang': { type: 'string', help: 'language of the edit', arg: 'CODE', default: 'en' },
    backbone: { type: 'string', help: 'backbone plugin', arg: 'ID', default: 'tiny' },
    'model-dir': { type: 'string', help: 'model directory (not needed for tiny)', arg: 'DIR' },
    method: { type: 'string', help: 'method plugin', arg: 'ID', default: 'rome' },
    hparam: { type: 'string', multiple: true, help: 'hyperparameter override key=value', arg: 'K=V' },
    preset: { type: 'string', help: "one of the method's named hyperparameter sets (default: none, the method's defaults)", arg: 'NAME' },
    backend: { type: 'string', help: 'auto, webgpu, cpu (float64 reference) or cpu-f32', arg: 'KIND', default: 'auto' },
    dtype: DTYPE_OPTION,
    seed: { type: 'string', help: 'random seed', arg: 'N', default: '0' },
    'cache-dir': { type: 'string', help: 'caches', arg: 'DIR', default: '.cache/crossedit' },
  },
  async run(values) {
    const t0 = performance.now();
    const dir = (values['data-dir'] as string | undefined) ?? (sharedDir() ? path.join(sharedDir()!, 'data/mzsre/train') : undefined);
    if (!dir || !existsSync(dir)) throw new UsageError(`no MzsRE training files: pass --data-dir DIR (looked for ${dir ?? '../shared/data/mzsre/train'})`);
    const src = String(values['source-lang']);
    const other = src === 'en' ? 'zh' : 'en';
    const set = loadTrainingPairs(dir, [src, other]);
    const fact = (n: unknown, flag: string) => {
      const f = set.pairs.find((p) => p.index === Number(n));
      if (!f) throw new UsageError(`--${flag} ${n}: no usable fact with that line index in ${dir}`);
      return f.byLang;
    };
    const e = fact(values.fact, 'fact');
    const targetFact = values.target === undefined ? fact(values['target-fact'], 'target-fact') : undefined;
    const target = (values.target as string | undefined) ?? targetFact![src].answer;
    // the new answer in the other language, when the target is another fact's answer (its translation)
    const otherTarget = targetFact?.[other].answer ?? '';
    const u = fact(values.unrelated, 'unrelated');
    const subject = (values.subject as string | undefined) ?? guessSubject(e[src].question, e[other].question);
    if (!e[src].question.includes(subject)) throw new UsageError(`--subject '${subject}' does not occur in '${e[src].question}'`);
    const method = await resolveMethod((values.method as string) ?? 'rome'); // fail fast on a bad id
    const s = await openModel(values);
    // the method's default hyperparameters (the backbone presets only) unless --preset / --hparam say otherwise
    const preset = values.preset as string | undefined;
    const m = await openMethod({ ...values, preset }, s, method);
    if (preset) process.stderr.write(`${method.id} preset '${preset}': ${method.namedPresets?.[preset]?.doc ?? ''}\n`);
    const rows: DemoRow[] = [
      { label: `edit question (${src})`, q: e[src].question, target, kind: 'edit' },
      { label: `paraphrase (${src})`, q: String(values.paraphrase), target, kind: 'edit' },
      { label: `same question (${other})`, q: e[other].question, target: otherTarget, old: e[other].answer, kind: 'transfer' },
      { label: `unrelated (${src})`, q: u[src].question, target: '', kind: 'unrelated' },
      { label: `unrelated (${other})`, q: u[other].question, target: '', kind: 'unrelated' },
    ];
    const questions = rows.map((r) => r.q);
    const before = await answer(s.model, s.tokenizer, questions, 10);
    const hash0 = await weightsHash(s.model);
    const req: EditRequest = { id: `fact${values.fact}:${src}`, prompt: e[src].question, subject, target, lang: src };
    process.stderr.write(`editing with ${m.method.id}: "${req.prompt}" → "${target}" …\n`);
    const t1 = performance.now();
    const result = await m.method.apply({ ...m.context, model: s.model, tokenizer: s.tokenizer, backbone: { id: s.backbone.id, config: s.model.config }, backend: s.backend }, [req], m.hparams);
    const editMs = performance.now() - t1;
    const after = await answer(s.model, s.tokenizer, questions, 10, result.wrapPrompt);
    await result.restore();
    const restored = (await weightsHash(s.model)) === hash0;
    const out = process.stdout;
    out.write(`\ncrossedit demo — ${m.method.id} on the embedded ${s.backbone.id} model (${s.backend.name} backend)\n`);
    out.write(`edit (${src}): ${req.prompt}  →  ${target}   (was: ${e[src].answer} / ${e[other].answer})\n\n`);
    const w0 = Math.max(...rows.map((r) => r.label.length));
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      out.write(`${r.label.padEnd(w0)}  ${r.q}\n${''.padEnd(w0)}  before: ${before[i] || '∅'}\n${''.padEnd(w0)}  after:  ${after[i] || '∅'}   ${verdict(r, before[i], after[i])}\n`);
    }
    const diag = Object.entries(result.diagnostics)
      .map(([k, v]) => `${k}=${typeof v === 'number' ? +v.toFixed(3) : v}`)
      .join(' ');
    out.write(`\nedit took ${(editMs / 1000).toFixed(1)} s (${diag}); restore(): ${restored ? 'weights identical to the original' : 'WEIGHTS DIFFER'}\n`);
    out.write(`total ${((performance.now() - t0) / 1000).toFixed(1)} s. Measure the whole grid with: crossedit eval --method rome --source-lang ${src} --limit 20 --out results/demo\n`);
    s.model.dispose();
    s.backend.dispose();
    return restored ? 0 : 1;
  },
};

/** A question the demo asks before and after the edit, and what it should answer after it. */
export interface DemoRow {
  label: string;
  q: string;
  /** The new answer this question should give after the edit ('' when unknown or not wanted). */
  target: string;
  /** The answer before the edit that a failed transfer keeps (the other language's old answer). */
  old?: string;
  /** `edit`: the edit question or its paraphrase; `transfer`: the other language; `unrelated`: should not move. */
  kind: 'edit' | 'transfer' | 'unrelated';
}

/**
 * What happened to one question, honestly: a ✓ only for an answer exactly equal to the new answer (or, for
 * an unrelated question, exactly the answer it gave before).
 *
 * @example
 * ```ts
 * verdict({ label: '', q: '', target: 'French', kind: 'edit' }, 'German', 'Frenches'); // '✗ not the new answer (contains it, but is not exactly it)'
 * ```
 */
export function verdict(r: DemoRow, before: string, after: string): string {
  if (r.kind === 'unrelated') return after === before ? '✓ unchanged' : '✗ changed by the edit';
  if (r.target && after === r.target) return r.kind === 'edit' ? '✓ exactly the new answer' : `✓ the new answer carried over (${r.target})`;
  const near = r.target && after.includes(r.target) ? ', contains it, but is not exactly it' : '';
  if (r.kind === 'edit') return `✗ not the new answer${near}`;
  if (after === before) return `✗ did not carry over: unchanged${r.target ? ` (the new answer would be ${r.target})` : ''}`;
  if (r.old !== undefined && after === r.old) return '✗ did not carry over: still the old answer';
  return `✗ changed, but not to the new answer${r.target ? ` ${r.target}` : ''}${near}`;
}

/**
 * The subject of a question: the longest run of words that the question shares with its translation
 * (names stay untranslated), else the question's last two words.
 */
export function guessSubject(q: string, translated: string): string {
  const words = q.replace(/[?？]$/, '').split(/\s+/);
  let best = '';
  for (let i = 0; i < words.length; i++)
    for (let j = i + 1; j <= words.length; j++) {
      const cand = words.slice(i, j).join(' ').replace(/'s$/, '');
      if (cand.length > best.length && translated.includes(cand)) best = cand;
    }
  return best || words.slice(-2).join(' ');
}
