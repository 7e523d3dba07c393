/**
 * The trained editors' rows of `pnpm bench methods`: for MEND and SERAC on one tiny model and backend,
 * the time of one training iteration (`trainMend` / `trainSerac` on the benchmark's facts, the plugin's
 * default schedule's batch) and the time of one edit (`apply` + `restore`, with the artifact just trained;
 * for SERAC also one scored forward pass through its wrapper, since its `apply` only appends to the
 * memory and the work happens when the edited model answers).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseHparams, tensor, tidy, type EditContext, type EditMethod, type EditRequest } from '@crossedit/core';
import type { EditExample } from '@crossedit/editor-training';
import mend, { defaultMendConfig, trainMend } from '@crossedit/method-mend';
import serac, { defaultSeracConfig, trainSerac } from '@crossedit/method-serac';

/** One timing row (the methods benchmark's shape). */
export interface EditorTimingRow {
  method: string;
  edits: number;
  median: number;
  min: number;
  max: number;
  note: string;
}

function stats(ms: number[]): { median: number; min: number; max: number } {
  const s = [...ms].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)] ?? NaN, min: s[0] ?? NaN, max: s.at(-1) ?? NaN };
}

/** Training iterations timed, then `edits` timed edits, for each of `methods` (mend, serac). */
export async function trainedEditorRows(ctx: EditContext, requests: readonly EditRequest[], o: { edits: number; iterations?: number; methods: ReadonlySet<string> }): Promise<EditorTimingRow[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'crossedit-bench-editors-'));
  const n = requests.length;
  const examples: EditExample[] = requests.map((r, i) => ({ index: i, lang: r.lang, prompt: r.prompt, target: r.target, rephrase: r.prompt, loc: requests[(i + 1) % n].prompt, locAns: requests[(i + 1) % n].target }));
  const source = { file: 'bench-facts', sha256: 'bench', lang: 'en', format: 'zsre' as const, limit: null, used: n, validation: 0 };
  const iters = (o.iterations ?? 4) + 1;
  const rows: EditorTimingRow[] = [];
  try {
    for (const id of ['mend', 'serac'] as const) {
      if (!o.methods.has(id)) continue;
      const stamps: number[] = [];
      const common = { model: ctx.model, tokenizer: ctx.tokenizer, backbone: ctx.backbone.id, train: examples, validation: [], sources: [source], runDir: path.join(dir, `${id}-run`), outDir: path.join(dir, `${id}-art`), onProgress: () => void stamps.push(performance.now()) };
      const t0 = performance.now();
      let artifact: string | null;
      let batch: number;
      if (id === 'mend') {
        const cfg = defaultMendConfig(ctx.model.config);
        cfg.loop = { ...cfg.loop, maxIters: iters, accumulate: 1, valEvery: 0, valCount: 0, patience: 0, checkpointEvery: 1000 };
        batch = cfg.loop.batchSize;
        artifact = (await trainMend({ ...common, config: cfg })).artifact;
      } else {
        const cfg = defaultSeracConfig(ctx.model.config);
        cfg.loop = { ...cfg.loop, maxIters: iters, valEvery: 0, valCount: 0, patience: 0, checkpointEvery: 1000 };
        // the classifier-only phase (no language-model pass) is left out: the rows time end-to-end iterations
        cfg.scope = { ...cfg.scope!, iters: 0 };
        batch = cfg.loop.batchSize;
        artifact = (await trainSerac({ ...common, config: cfg })).artifact;
      }
      const steps = stamps.map((t, i) => t - (i === 0 ? t0 : stamps[i - 1])).slice(1);
      rows.push({ method: `${id}-train`, edits: steps.length, ...stats(steps), note: `per training iteration (batch ${batch}, ${id === 'mend' ? 'edit + fast-weight outer pass' : 'prompt, rephrase and locality rows through the mixture'}); first ${(stamps[0] - t0).toFixed(0)} ms` });
      const method = (id === 'mend' ? mend : serac) as unknown as EditMethod<Record<string, unknown>>;
      const hp = parseHparams(method.id, method.hparams, undefined, { artifact: artifact! });
      const times: number[] = [];
      let note = '';
      for (let i = 0; i <= o.edits; i++) {
        const req = requests[i % n];
        const s = performance.now();
        const res = await method.apply(ctx, [req], hp);
        if (res.model) {
          const ids = ctx.tokenizer.encode(`${req.prompt} ${req.target}`).ids;
          const out = tidy(() => res.model!.forward(tensor(Int32Array.from(ids), [1, ids.length], { dtype: 'i32', backend: ctx.backend })).logits!);
          await out.data();
          out.dispose();
        }
        await res.restore();
        const ms = performance.now() - s;
        if (i === 0) note = `first ${ms.toFixed(0)} ms (loads the artifact)`;
        else times.push(ms);
      }
      rows.push({ method: id, edits: o.edits, ...stats(times), note: `${note}${id === 'serac' ? '; apply + one scored forward + restore' : ''}` });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
