/**
 * Per-edit latency of the editing methods on tiny random LLaMA models: `apply` + `restore` of one
 * single-fact edit, median over several edits after a warm-up edit, on the float64 CPU reference
 * backend, the f32 CPU backend (`cpu-f32`) and on WebGPU when `@crossedit/webgpu` provides a backend and
 * an adapter exists. MEND and SERAC add two rows each (`editors/timing.ts`): a training iteration
 * (`<id>-train`, trained on the benchmark's facts for this model) and an edit with that artifact.
 *
 * Then the stories260K rows (`stories/run.ts`): the same ROME, MEMIT and FT edit of the real stories260K
 * model in the project and in PyTorch fp32 (`benchmarks/torch/edit_reference.py`, when /usr/bin/python3
 * has torch), interleaved A/B, with the ratio project/PyTorch and how far the two ΔW are apart.
 *
 * Run: `pnpm bench methods [--backend cpu|cpu-f32|webgpu|all] [--models micro,small]
 * [--methods ft,kn,kn-ref,ike,rome,memit,mend,serac] [--edits N] [--stories on|off|only]
 * [--stories-backends cpu,cpu-f32,webgpu] [--stories-edits N]`
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Rng, parseHparams, tensor, type Backend, type EditContext, type EditMethod, type EditRequest, type ModelConfig, type StatsProvider } from '@crossedit/core';
import { createCpuBackend, createCpuF32Backend } from '@crossedit/cpu';
import { LlamaModel, randomWeights } from '@crossedit/transformer';
import ft from '../../plugins/method-ft/src/index.js';
import ike from '../../plugins/method-ike/src/index.js';
import kn from '../../plugins/method-kn/src/index.js';
import { WordTokenizer, vocabOf } from '@crossedit/testing/fixtures';
import { runStoryRows, storyTable } from './stories/run.js';
import { trainedEditorRows } from './editors/timing.js';
import { choiceFlag, numberFlag } from './args.js';

/** The facts edited (prompt, subject, new target). */
const FACTS: [string, string, string][] = [
  ['What is the capital city of France ?', 'France', 'Rome'],
  ['Who wrote the play Hamlet ?', 'Hamlet', 'Goethe'],
  ['Which river flows through Vienna ?', 'Vienna', 'Rhine'],
  ['What language is spoken in Brazil ?', 'Brazil', 'German'],
  ['Where was Albert Einstein born ?', 'Albert Einstein', 'Paris'],
  ['Which company makes the iPhone ?', 'iPhone', 'Nokia'],
  ['What sport does Lionel Messi play ?', 'Lionel Messi', 'tennis'],
  ['Who painted the Mona Lisa ?', 'Mona Lisa', 'Picasso'],
];

/** The tiny architectures. */
const MODELS: Record<string, Omit<ModelConfig, 'vocabSize'>> = {
  micro: { hiddenSize: 16, intermediateSize: 24, numLayers: 2, numHeads: 4, numKvHeads: 2, rmsNormEps: 1e-5, ropeBase: 10000, maxPositions: 1024 },
  small: { hiddenSize: 64, intermediateSize: 172, numLayers: 4, numHeads: 4, numKvHeads: 4, rmsNormEps: 1e-5, ropeBase: 10000, maxPositions: 1024 },
};

interface Row {
  method: string;
  backend: string;
  model: string;
  edits: number;
  median: number;
  min: number;
  max: number;
  note: string;
}

/** A synthetic ZsRE-format training file of `n` records for IKE's bank. */
function zsreBank(dir: string, n: number): string {
  const rng = new Rng(7);
  const recs = Array.from({ length: n }, (_, i) => {
    const [p, s, t] = FACTS[i % FACTS.length];
    const alt = FACTS[rng.int(FACTS.length)][2];
    return { subject: s, src: `${p} ${i}`, rephrase: `${s} ${i} ?`, alt, answers: [t], loc: `nq question: who sings ${i}`, loc_ans: t };
  });
  const file = path.join(dir, `zsre_mend_train_bench_${n}.json`);
  writeFileSync(file, JSON.stringify(recs));
  return file;
}

/** Synthetic second moments (a scaled identity): enough to time MEMIT's solve. */
function identityStats(m: number, backend: Backend): StatsProvider {
  const v = new Float64Array(m * m);
  for (let i = 0; i < m; i++) v[i * m + i] = 0.1;
  return { secondMoment: async () => tensor(v, [m, m], { backend }) };
}

async function loadOptional(spec: string): Promise<EditMethod<Record<string, unknown>> | null> {
  try {
    const mod = (await import(spec)) as { default?: EditMethod<Record<string, unknown>> };
    return mod.default && typeof mod.default.apply === 'function' ? mod.default : null;
  } catch {
    return null;
  }
}

async function webgpuBackend(): Promise<Backend | null> {
  try {
    const mod = (await import('@crossedit/webgpu')) as Record<string, unknown>;
    const create = mod.createWebGpuBackend as undefined | (() => Promise<Backend>);
    return create ? await create() : null;
  } catch {
    return null;
  }
}

function stats(ms: number[]): { median: number; min: number; max: number } {
  const s = [...ms].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1] };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    strict: true,
    options: {
      backend: { type: 'string', default: 'all' },
      models: { type: 'string', default: 'micro,small' },
      methods: { type: 'string', default: 'ft,kn,kn-ref,ike,rome,memit,mend,serac' },
      edits: { type: 'string' },
      stories: { type: 'string', default: 'on' },
      'stories-backends': { type: 'string', default: 'cpu,cpu-f32' },
      'stories-edits': { type: 'string' },
    },
  });
  if (!['on', 'off', 'only'].includes(String(values.stories))) throw new Error(`--stories must be on, off or only (got '${values.stories}')`);
  const storyBackends = String(values['stories-backends']).split(',');
  for (const b of storyBackends) if (!['cpu', 'cpu-f32', 'webgpu'].includes(b)) throw new Error(`--stories-backends: unknown backend '${b}' (cpu, cpu-f32, webgpu)`);
  choiceFlag(values, 'backend', ['all', 'cpu', 'cpu-f32', 'webgpu']);
  const edits = numberFlag(values, 'edits', { integer: true, min: 1 }, 5);
  const storyEdits = numberFlag(values, 'stories-edits', { integer: true, min: 1 }, 3);
  const backends: [string, Backend][] = [];
  const tinyRows = values.stories !== 'only';
  if (tinyRows && (values.backend === 'all' || values.backend === 'cpu')) backends.push(['cpu', createCpuBackend()]);
  if (tinyRows && (values.backend === 'all' || values.backend === 'cpu-f32')) backends.push(['cpu-f32', createCpuF32Backend()]);
  const notes: string[] = [];
  if (tinyRows && (values.backend === 'all' || values.backend === 'webgpu')) {
    const gpu = await webgpuBackend();
    if (gpu) backends.push(['webgpu', gpu]);
    else notes.push('webgpu: no backend (createWebGpuBackend not exported, or no adapter); skipped');
  }
  const rome = await loadOptional('../../plugins/method-rome/src/index.js');
  const memit = await loadOptional('../../plugins/method-memit/src/index.js');
  const tmp = mkdtempSync(path.join(tmpdir(), 'crossedit-bench-'));
  const bankFile = zsreBank(tmp, 400);
  const methods: [string, EditMethod<Record<string, unknown>> | null, Record<string, unknown>][] = [
    ['ft', ft as unknown as EditMethod<Record<string, unknown>>, {}],
    ['kn', kn as unknown as EditMethod<Record<string, unknown>>, {}],
    ['kn-ref', kn as unknown as EditMethod<Record<string, unknown>>, { steps: 1, oldAnswer: 'endoftext', keepBos: true, continuation: 'text' }],
    ['ike', ike as unknown as EditMethod<Record<string, unknown>>, { bank: bankFile, bankLimit: 0, k: 16 }],
    ['rome', rome, {}],
    ['memit', memit, {}],
  ];
  const wanted = new Set(String(values.methods).split(','));
  const words = vocabOf([...FACTS.flatMap(([p, , t]) => [p, t]), '<|endoftext|> who sings is a', ...Array.from({ length: 400 }, (_, i) => String(i))]);
  const tok = new WordTokenizer(words);
  const requests: EditRequest[] = FACTS.map(([prompt, subject, target], i) => ({ id: `f${i}`, prompt, subject, target, lang: 'en' }));
  const rows: Row[] = [];
  try {
    for (const [bname, backend] of backends) {
      for (const mname of String(values.models).split(',')) {
        const arch = MODELS[mname];
        if (!arch) throw new Error(`unknown model '${mname}' (${Object.keys(MODELS).join(', ')})`);
        const config: ModelConfig = { ...arch, vocabSize: tok.vocabSize };
        const model = new LlamaModel(config, randomWeights(config, { seed: 1, backend }));
        const ctx: EditContext = {
          model,
          tokenizer: tok,
          backbone: { id: `bench-${mname}`, config },
          backend,
          rng: new Rng(0),
          stats: identityStats(config.intermediateSize, backend),
          log: { info: () => undefined, warn: () => undefined },
          cacheDir: path.join(tmp, 'cache'),
        };
        for (const [id, method, over] of methods) {
          if (!wanted.has(id)) continue;
          if (!method) {
            if (bname === backends[0][0] && mname === String(values.models).split(',')[0]) notes.push(`${id}: plugin has no default export yet; skipped`);
            continue;
          }
          const hp = parseHparams(method.id, method.hparams, method.presets?.(ctx.backbone), over);
          const times: number[] = [];
          let note = '';
          try {
            for (let i = 0; i <= edits; i++) {
              const t0 = performance.now();
              const res = await method.apply(ctx, [requests[i % requests.length]], hp);
              await res.restore();
              const ms = performance.now() - t0;
              if (i === 0) note = `first ${ms.toFixed(0)} ms`;
              else times.push(ms);
              if (id === 'ike' && i === 0) note += ` (bank of ${res.diagnostics.bank}${res.diagnostics.bankFromCache === 'yes' ? ' read from the cache' : ' embedded'})`;
            }
            rows.push({ method: id, backend: bname, model: mname, edits, ...stats(times), note });
          } catch (e) {
            rows.push({ method: id, backend: bname, model: mname, edits: 0, median: NaN, min: NaN, max: NaN, note: `failed: ${(e as Error).message.slice(0, 80)}` });
          }
        }
        // MEND and SERAC: a training iteration and an edit with the artifact trained just before
        for (const r of await trainedEditorRows(ctx, requests, { edits, methods: wanted })) rows.push({ ...r, backend: bname, model: mname });
        model.dispose();
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  if (tinyRows) printRows(rows, tok.vocabSize, notes);
  if (values.stories !== 'off') {
    const storyBe: [string, Backend][] = [];
    for (const b of storyBackends) {
      const have = backends.find(([n]) => n === b);
      if (have) storyBe.push(have);
      else if (b === 'cpu') storyBe.push(['cpu', createCpuBackend()]);
      else if (b === 'cpu-f32') storyBe.push(['cpu-f32', createCpuF32Backend()]);
      else {
        const gpu = await webgpuBackend();
        if (gpu) storyBe.push(['webgpu', gpu]);
        else console.log('note: stories260K on webgpu: no backend or adapter; skipped');
      }
    }
    const story = await runStoryRows(storyBe, { edits: storyEdits, methods: ['rome', 'memit', 'ft'] });
    console.log('\n' + storyTable(story.rows));
    for (const n of story.notes) console.log(`note: ${n}`);
  }
}

function printRows(rows: Row[], vocab: number, notes: string[]): void {
  const head = ['method', 'backend', 'model', 'edits', 'median ms', 'min ms', 'max ms', 'note'];
  const body = rows.map((r) => [r.method, r.backend, r.model, String(r.edits), r.median.toFixed(1), r.min.toFixed(1), r.max.toFixed(1), r.note]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const b of body) console.log(line(b));
  console.log(`\nmodels: ${Object.entries(MODELS).map(([k, c]) => `${k} = d${c.hiddenSize}/m${c.intermediateSize}/L${c.numLayers}`).join(', ')}, vocab ${vocab}; per edit = apply + restore of one fact; default hparams (kn-ref = steps 1, <|endoftext|>, BOS kept; ike k = 16, bank cached after the first edit; memit with identity statistics)`);
  for (const n of notes) console.log(`note: ${n}`);
}

await main();
