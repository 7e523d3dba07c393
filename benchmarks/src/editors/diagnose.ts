/**
 * SERAC's components on held-out training examples (`diagnoseSerac`): the counterfactual model given
 * the right edit, the scope classifier (in scope: the edit's prompt and paraphrase; out: locality
 * inputs) and the mixture, with every held-out edit in one memory. Used by `pnpm bench editors` after
 * training; alone:
 *
 *   node --conditions=@crossedit/source --import tsx benchmarks/src/editors/diagnose.ts ARTIFACT [--validation 20]
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setBackend } from '@crossedit/core';
import { createCpuF32Backend } from '@crossedit/cpu';
import { combineData, loadEditorData } from '@crossedit/editor-training';
import tiny from '@crossedit/backbone-tiny';
import { diagnoseSerac, loadSeracArtifact, type SeracDiagnostics } from '@crossedit/method-serac';
import { numberFlag } from '../args.js';
import { REPO } from './cli.js';

/** The diagnostics of a SERAC artifact for the embedded model on the held-out examples of both training files. */
export async function diagnoseShipped(artifact: string, o: { validation: number; shared: string }): Promise<Record<string, SeracDiagnostics>> {
  const backend = createCpuF32Backend();
  setBackend(backend);
  const model = await tiny.loadModel({}, { backend });
  const tokenizer = await tiny.createTokenizer({});
  const c = await loadSeracArtifact(artifact, model);
  const files = { en: 'data/zsre-train/zsre_mend_train_en_10000.json', zh: 'data/mzsre/train/zsre_mend_train_zh_10000.txt' };
  const out: Record<string, SeracDiagnostics> = {};
  try {
    for (const [lang, file] of Object.entries(files)) {
      const d = combineData([loadEditorData(path.join(o.shared, file), { lang, validation: o.validation })]);
      out[lang] = await diagnoseSerac({ base: model, tokenizer, classifier: c.classifier, counterfactual: c.counterfactual, examples: d.validation, counterfactualTargets: true });
    }
  } finally {
    c.classifier.dispose();
    c.counterfactual.dispose();
    model.dispose();
  }
  return out;
}

/** Markdown lines of {@link diagnoseShipped}'s result. */
export function diagnosticsTable(d: Record<string, SeracDiagnostics>): string {
  const pct = (v: number | null) => (v === null ? '–' : (100 * v).toFixed(1));
  const lines = ['| held out | edits | cf acc (prompt / rephrase) | retrieval (prompt / rephrase) | s* > 0.5 (prompt / rephrase) | loc s* < 0.5 | mixture acc (prompt / rephrase) | mixture loc agreement |', '|---|---:|---|---|---|---:|---|---:|'];
  for (const [lang, r] of Object.entries(d)) {
    lines.push(
      `| ${lang} | ${r.examples} | ${pct(r.counterfactual.prompt)} / ${pct(r.counterfactual.rephrase)} | ${pct(r.retrieval.prompt)} / ${pct(r.retrieval.rephrase)} | ${pct(r.scope.prompt)} / ${pct(r.scope.rephrase)} | ${pct(r.scope.loc)} | ${pct(r.mixture.prompt)} / ${pct(r.mixture.rephrase)} | ${pct(r.mixture.loc)} |`,
    );
  }
  return lines.join('\n') + '\n';
}

/** The command line of this script. */
export interface DiagnoseArgs {
  /** The SERAC artifact (`.safetensors`). */
  artifact: string;
  /** Held-out examples per training file (`--validation`, default 20). */
  validation: number;
}

/**
 * Parses `ARTIFACT [--validation N]`.
 * @throws Error naming the flag for an unknown flag, a missing value or a `--validation` that is not an integer >= 1; the usage without exactly one ARTIFACT.
 */
export function parseDiagnoseArgs(argv: readonly string[]): DiagnoseArgs {
  const { values, positionals } = parseArgs({ args: [...argv], strict: true, allowPositionals: true, options: { validation: { type: 'string' } } });
  if (positionals.length !== 1) throw new Error(`usage: diagnose.ts ARTIFACT [--validation N] (got ${positionals.length ? positionals.map((p) => `'${p}'`).join(' ') : 'no ARTIFACT'})`);
  return { artifact: positionals[0], validation: numberFlag(values, 'validation', { integer: true, min: 1 }, 20) };
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(REPO, 'benchmarks/src/editors/diagnose.ts')) {
  const { artifact, validation } = parseDiagnoseArgs(process.argv.slice(2));
  const d = await diagnoseShipped(path.resolve(artifact), { validation, shared: path.resolve(process.env.CROSSEDIT_SHARED ?? path.join(REPO, '..', 'shared')) });
  process.stdout.write(diagnosticsTable(d));
}
