import type { EditRequest } from '@crossedit/core';
import { weightsHash } from '@crossedit/transformer';
import type { Command } from '../args.js';
import { resolveMethod } from '../plugins.js';
import { intOption, languageOption, required } from '../args.js';
import { METHOD_OPTIONS, MODEL_OPTIONS, openMethod, openModel, precheckHparams } from '../session.js';
import { answer } from './answers.js';

/** `crossedit edit`: one edit from flags; answers before and after. */
export const editCommand: Command = {
  name: 'edit',
  summary: 'apply one edit and print the answers to chosen questions before and after',
  usage: 'edit --backbone ID [--model-dir DIR] --method ID --prompt P --subject S --target T [--lang en] [--question Q ...] [--dtype auto|f32|f16]',
  options: {
    ...MODEL_OPTIONS,
    ...METHOD_OPTIONS,
    prompt: { type: 'string', help: 'the edit prompt (contains the subject)', arg: 'TEXT' },
    subject: { type: 'string', help: 'the subject substring of the prompt', arg: 'TEXT' },
    target: { type: 'string', help: 'the new answer', arg: 'TEXT' },
    'ground-truth': { type: 'string', help: 'the old answer, if known (KN)', arg: 'TEXT' },
    lang: { type: 'string', help: 'language of prompt and target', arg: 'CODE', default: 'en' },
    question: { type: 'string', multiple: true, help: 'a question to answer before and after (default: the prompt)', arg: 'TEXT' },
    'max-tokens': { type: 'string', help: 'tokens per answer', arg: 'N', default: '12' },
  },
  async run(values) {
    const prompt = required(values, 'prompt');
    const subject = required(values, 'subject');
    const target = required(values, 'target');
    const lang = languageOption(values, 'lang');
    const n = intOption(values, 'max-tokens', 1)!;
    if (!prompt.includes(subject)) process.stderr.write(`warning: the subject "${subject}" does not occur in the prompt\n`);
    const method = await resolveMethod((values.method as string) ?? 'rome'); // fail fast on a bad id
    precheckHparams(values, method);
    const s = await openModel(values);
    const m = await openMethod(values, s, method);
    const questions = (values.question as string[] | undefined) ?? [prompt];
    const before = await answer(s.model, s.tokenizer, questions, n);
    const hash0 = await weightsHash(s.model);
    const req: EditRequest = { id: 'cli:0', prompt, subject, target, lang, ...(values['ground-truth'] ? { groundTruth: String(values['ground-truth']) } : {}) };
    const t0 = performance.now();
    const result = await m.method.apply({ ...m.context, model: s.model, tokenizer: s.tokenizer, backbone: { id: s.backbone.id, config: s.model.config }, backend: s.backend }, [req], m.hparams);
    const ms = performance.now() - t0;
    const after = await answer(s.model, s.tokenizer, questions, n, result.wrapPrompt);
    await result.restore();
    const restored = (await weightsHash(s.model)) === hash0;
    process.stdout.write(`${m.method.id} on ${s.backbone.id} (${s.backend.name}): "${prompt}" → "${target}" in ${(ms / 1000).toFixed(1)} s\n\n`);
    const w = Math.max(8, ...questions.map((q) => q.length));
    process.stdout.write(`${'question'.padEnd(w)} | before | after\n`);
    questions.forEach((q, i) => process.stdout.write(`${q.padEnd(w)} | ${before[i]} | ${after[i]}\n`));
    const diag = Object.entries(result.diagnostics).map(([k, v]) => `${k}=${typeof v === 'number' ? +v.toFixed(4) : v}`).join(' ');
    process.stdout.write(`\ndiagnostics: ${diag}\nrestore(): ${restored ? 'weights identical to the original' : 'WEIGHTS DIFFER'}\n`);
    s.model.dispose();
    s.backend.dispose();
    return restored ? 0 : 1;
  },
};
