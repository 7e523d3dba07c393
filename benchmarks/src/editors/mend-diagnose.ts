/**
 * MEND's edits on held-out training examples (counterfactual targets, as training validates), edit by
 * edit, beside a plain gradient-descent step of the same size: the edit NLL and token accuracy before
 * and after, the paraphrase's accuracy (English files have one), the locality KL and argmax agreement,
 * and the update's size relative to the weights. The learned step sizes η are printed too. This is the
 * fast proxy for MEND's quality (no `crossedit eval` needed):
 *
 *   node --conditions=@crossedit/source --import tsx benchmarks/src/editors/mend-diagnose.ts ARTIFACT [--validation 20] [--lr-scale 1]
 *
 * "grad step": for every edited matrix `W − c·∇W` with `c = ‖ΔW_mend‖ / ‖∇W‖`, the gradient of the same edit
 * loss (the un-normalised factors' `δᵀx`), so both updates move each matrix by the same Frobenius norm.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { logSoftmax, matmul, mul, norm, setBackend, tidy, untrack, type LanguageModel, type Tensor, type Tokenizer, type WeightDelta } from '@crossedit/core';
import { createCpuF32Backend } from '@crossedit/cpu';
import { collate, combineData, disposeBatch, editRow, labelLogits, loadEditorData, rotateTargets, selAccuracy, selAgreement, selKl, selNll, type EditExample } from '@crossedit/editor-training';
import tiny from '@crossedit/backbone-tiny';
import { applyMend, captureFactors, disposeFactors, loadMendArtifact, type MendEditor } from '@crossedit/method-mend';
import { numberFlag } from '../args.js';
import { REPO } from './cli.js';

/** Means over the examples of one language, for one kind of update. */
export interface EditStats {
  n: number;
  nllPre: number;
  nllPost: number;
  accPre: number;
  accPost: number;
  /** Paraphrase token accuracy after the edit (null: no paraphrases). */
  rephrasePost: number | null;
  rephrasePre: number | null;
  locKl: number;
  locAgree: number;
  /** Mean over matrices of ‖ΔW‖ / ‖W‖. */
  relNorm: number;
}

async function scalar(t: Tensor): Promise<number> {
  const v = await t.item();
  t.dispose();
  return v;
}

async function rowStats(model: LanguageModel, tok: Tokenizer, ex: EditExample, base: { locLogits: Tensor; locLogp: Tensor }): Promise<{ nll: number; acc: number; reph: number | null; kl: number; agree: number }> {
  const pad = tok.special.pad ?? tok.special.eos ?? 0;
  const be = model.backend;
  const e = collate([editRow(tok, ex.prompt, ex.target)], pad, be);
  const l = collate([editRow(tok, ex.loc, ex.locAns)], pad, be);
  const r = ex.rephrase ? collate([editRow(tok, ex.rephrase, ex.target)], pad, be) : null;
  try {
    const logits = tidy(() => labelLogits(model, e));
    const nll = await scalar(tidy(() => selNll(logSoftmax(logits), e)));
    const acc = (await selAccuracy(logits, e))[0];
    logits.dispose();
    let reph: number | null = null;
    if (r) {
      const rl = tidy(() => labelLogits(model, r));
      reph = (await selAccuracy(rl, r))[0];
      rl.dispose();
    }
    const ll = tidy(() => labelLogits(model, l));
    const kl = await scalar(tidy(() => selKl(base.locLogp, logSoftmax(ll))));
    const agree = (await selAgreement(base.locLogits, ll, l))[0];
    ll.dispose();
    return { nll, acc, reph, kl, agree };
  } finally {
    disposeBatch(e);
    disposeBatch(l);
    if (r) disposeBatch(r);
  }
}

/** Diagnostics of one editor on `examples` (one language). */
export async function diagnoseMend(model: LanguageModel, tok: Tokenizer, editor: MendEditor, examples: readonly EditExample[], lrScale = 1): Promise<{ mend: EditStats; grad: EditStats }> {
  const pad = tok.special.pad ?? tok.special.eos ?? 0;
  const sums = { mend: [] as ReturnType<typeof blank>[], grad: [] as ReturnType<typeof blank>[] };
  function blank() {
    return { nllPre: 0, nllPost: 0, accPre: 0, accPost: 0, rephPre: null as number | null, rephPost: null as number | null, kl: 0, agree: 0, rel: 0 };
  }
  for (const ex of examples) {
    const l = collate([editRow(tok, ex.loc, ex.locAns)], pad, model.backend);
    const locLogits = untrack(tidy(() => labelLogits(model, l)));
    const locLogp = untrack(tidy(() => logSoftmax(locLogits)));
    disposeBatch(l);
    const pre = await rowStats(model, tok, ex, { locLogits, locLogp });
    const b = collate([editRow(tok, ex.prompt, ex.target)], pad, model.backend);
    const { factors } = await captureFactors(model, b, editor.matrices);
    disposeBatch(b);
    const mendDs = tidy(() => editor.deltas(factors, lrScale)).map((t) => untrack(t));
    const mendNorms = await Promise.all(mendDs.map((d) => scalar(tidy(() => norm(d)))));
    const gradDs = factors.map((f, i) =>
      untrack(
        tidy(() => {
          const g = matmul(f.d, f.x, { transA: true });
          return g;
        }),
      ),
    );
    const gradNorms = await Promise.all(gradDs.map((g) => scalar(tidy(() => norm(g)))));
    const gradScaled = gradDs.map((g, i) => {
      const s = untrack(tidy(() => mul(g, -mendNorms[i] / Math.max(gradNorms[i], 1e-30))));
      g.dispose();
      return s;
    });
    disposeFactors(factors);
    const wNorms = await Promise.all(editor.matrices.map((m) => scalar(tidy(() => norm(model.weight(m.ref))))));
    const rel = mendNorms.reduce((a, v, i) => a + v / wNorms[i], 0) / mendNorms.length;
    for (const [kind, ds] of [
      ['mend', mendDs],
      ['grad', gradScaled],
    ] as const) {
      const deltas: WeightDelta[] = editor.matrices.map((m, i) => ({ ref: m.ref, delta: ds[i] }));
      const restore = applyMend(model, deltas);
      const post = await rowStats(model, tok, ex, { locLogits, locLogp });
      await restore();
      sums[kind].push({ nllPre: pre.nll, nllPost: post.nll, accPre: pre.acc, accPost: post.acc, rephPre: pre.reph, rephPost: post.reph, kl: post.kl, agree: post.agree, rel });
    }
    for (const d of [...mendDs, ...gradScaled]) d.dispose();
    locLogits.dispose();
    locLogp.dispose();
  }
  const mean = (xs: ReturnType<typeof blank>[]): EditStats => {
    const avg = (f: (x: ReturnType<typeof blank>) => number) => xs.reduce((a, x) => a + f(x), 0) / xs.length;
    const hasR = xs.every((x) => x.rephPost !== null);
    return {
      n: xs.length,
      nllPre: avg((x) => x.nllPre),
      nllPost: avg((x) => x.nllPost),
      accPre: avg((x) => x.accPre),
      accPost: avg((x) => x.accPost),
      rephrasePre: hasR ? avg((x) => x.rephPre!) : null,
      rephrasePost: hasR ? avg((x) => x.rephPost!) : null,
      locKl: avg((x) => x.kl),
      locAgree: avg((x) => x.agree),
      relNorm: avg((x) => x.rel),
    };
  };
  return { mend: mean(sums.mend), grad: mean(sums.grad) };
}

/** Markdown table of {@link diagnoseMend}'s results per language. */
export function mendTable(r: Record<string, { mend: EditStats; grad: EditStats }>): string {
  const f = (v: number | null, d = 2) => (v === null ? '–' : v.toFixed(d));
  const lines = ['| held out | update | n | edit NLL pre → post | edit acc pre → post | rephrase acc pre → post | loc KL | loc agreement | ‖ΔW‖/‖W‖ |', '|---|---|---:|---|---|---|---:|---:|---:|'];
  for (const [lang, x] of Object.entries(r)) {
    for (const [k, s] of [
      ['MEND', x.mend],
      ['grad step', x.grad],
    ] as const) {
      lines.push(`| ${lang} | ${k} | ${s.n} | ${f(s.nllPre)} → ${f(s.nllPost)} | ${f(s.accPre)} → ${f(s.accPost)} | ${f(s.rephrasePre)} → ${f(s.rephrasePost)} | ${f(s.locKl, 3)} | ${f(s.locAgree)} | ${f(s.relNorm, 4)} |`);
    }
  }
  return lines.join('\n') + '\n';
}

/** The command line of this script. */
export interface MendDiagnoseArgs {
  /** The MEND artifact (`.safetensors`). */
  artifact: string;
  /** Held-out examples per training file (`--validation`, default 20). */
  validation: number;
  /** Factor on the learned step sizes η (`--lr-scale`, default 1). */
  lrScale: number;
}

/**
 * Parses `ARTIFACT [--validation N] [--lr-scale X]`.
 * @throws Error naming the flag for an unknown flag, a missing value, a `--validation` that is not an integer >= 1 or a `--lr-scale` that is not a number > 0; the usage without exactly one ARTIFACT.
 */
export function parseMendDiagnoseArgs(argv: readonly string[]): MendDiagnoseArgs {
  const { values, positionals } = parseArgs({ args: [...argv], strict: true, allowPositionals: true, options: { validation: { type: 'string' }, 'lr-scale': { type: 'string' } } });
  if (positionals.length !== 1) throw new Error(`usage: mend-diagnose.ts ARTIFACT [--validation N] [--lr-scale X] (got ${positionals.length ? positionals.map((p) => `'${p}'`).join(' ') : 'no ARTIFACT'})`);
  return { artifact: positionals[0], validation: numberFlag(values, 'validation', { integer: true, min: 1 }, 20), lrScale: numberFlag(values, 'lr-scale', { above: 0 }, 1) };
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(REPO, 'benchmarks/src/editors/mend-diagnose.ts')) {
  const { artifact, validation, lrScale } = parseMendDiagnoseArgs(process.argv.slice(2));
  const shared = path.resolve(process.env.CROSSEDIT_SHARED ?? path.join(REPO, '..', 'shared'));
  const backend = createCpuF32Backend();
  setBackend(backend);
  const model = await tiny.loadModel({}, { backend });
  const tok = await tiny.createTokenizer({});
  const { editor } = await loadMendArtifact(path.resolve(artifact), model.config, backend);
  process.stdout.write(`η: ${(await Promise.all(editor.etas.map((e) => e.item()))).map((v) => v.toExponential(2)).join(', ')}\n`);
  const files = { en: 'data/zsre-train/zsre_mend_train_en_10000.json', zh: 'data/mzsre/train/zsre_mend_train_zh_10000.txt' };
  const out: Record<string, { mend: EditStats; grad: EditStats }> = {};
  for (const [lang, file] of Object.entries(files)) {
    const d = combineData([loadEditorData(path.join(shared, file), { lang, validation })]);
    out[lang] = await diagnoseMend(model, tok, editor, rotateTargets(d.validation), lrScale);
  }
  process.stdout.write(mendTable(out));
  editor.dispose();
  model.dispose();
}
