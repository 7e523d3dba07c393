/**
 * The stories260K rows of `pnpm bench methods`: the same ROME, MEMIT and FT edit in the project (each
 * backend given) and in PyTorch fp32, interleaved A/B (project edit, PyTorch edit, ...), median per edit
 * (wall, the goal's measure, and process CPU time over all threads, which a loaded box disturbs less),
 * the ratio, and how far the two ΔW are apart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { Rng, parseHparams, tensor, type Backend, type EditContext, type StatsProvider, type Tensor } from '@crossedit/core';
import llama from '@crossedit/backbone-llama';
import { sharedDir } from '@crossedit/tokenizers';
import ft, { applyFt } from '../../../plugins/method-ft/src/index.js';
import memit, { memitApply } from '../../../plugins/method-memit/src/index.js';
import rome, { romeStep } from '../../../plugins/method-rome/src/index.js';
import { STORY_MOM2, STORY_REQUEST, STORY_STEPS, STORY_TEMPLATES, writeStoryProblem, type StorySettings } from './problem.js';
import { TorchReference, findTorchPython } from './torch.js';

/** One row of the table. */
export interface StoryRow {
  method: string;
  backend: string;
  edits: number;
  projectMs: number;
  torchMs: number;
  /** projectMs / torchMs (wall). */
  ratio: number;
  /** Median process CPU time per edit (all threads), project and PyTorch. */
  projectCpuMs: number;
  torchCpuMs: number;
  /** ‖ΔW − ΔW_torch‖ / ‖ΔW_torch‖ over all edited matrices. */
  relDiff: number;
}

type Method = 'rome' | 'memit' | 'ft';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function relDiff(ours: Float64Array[], theirs: number[][]): number {
  let num = 0;
  let den = 0;
  ours.forEach((a, k) => {
    const b = theirs[k];
    for (let i = 0; i < a.length; i++) {
      num += (a[i] - b[i]) ** 2;
      den += b[i] ** 2;
    }
  });
  return Math.sqrt(num / den);
}

/** C = c·I for every layer (the same matrix is written for the PyTorch side). */
function scaledIdentityStats(m: number, backend: Backend): StatsProvider {
  const v = new Float64Array(m * m);
  for (let i = 0; i < m; i++) v[i * m + i] = STORY_MOM2;
  return { secondMoment: async () => tensor(v, [m, m], { backend }) };
}

async function host(ts: readonly Tensor[]): Promise<Float64Array[]> {
  return Promise.all(ts.map(async (t) => Float64Array.from(await t.data())));
}

/**
 * Runs the stories260K comparison on each backend. Returns the rows and notes (why something was
 * skipped, the machine's load).
 */
export async function runStoryRows(backends: [string, Backend][], opts: { edits: number; methods: Method[]; threads?: number }): Promise<{ rows: StoryRow[]; notes: string[] }> {
  const notes: string[] = [];
  const rows: StoryRow[] = [];
  const gguf = path.join(sharedDir(), 'models/stories260k/stories260K.gguf');
  const found = findTorchPython();
  const tmp = mkdtempSync(path.join(tmpdir(), 'crossedit-stories-'));
  const load0 = loadavg()[0];
  try {
    for (const [bname, backend] of backends) {
      const model = await llama.loadModel({ modelDir: gguf }, { backend });
      const tokenizer = await llama.createTokenizer({ modelDir: gguf });
      const info = { id: llama.id, config: model.config };
      const ctx: EditContext = { model, tokenizer, backbone: info, backend, rng: new Rng(0), stats: scaledIdentityStats(model.config.intermediateSize, backend), log: { info() {}, warn() {} } };
      const hpRome = parseHparams(rome.id, rome.hparams, rome.presets?.(info), { vNumGradSteps: STORY_STEPS, earlyStopLoss: 0 });
      const hpMemit = parseHparams(memit.id, memit.hparams, memit.presets?.(info), { vNumGradSteps: STORY_STEPS, earlyStopLoss: 0, contextTemplateLengths: [] });
      const hpFt = parseHparams(ft.id, ft.hparams, ft.presets?.(info), { numSteps: STORY_STEPS, earlyStopLoss: 0 });
      const settings: StorySettings = {
        romeLayer: hpRome.layers[0],
        memitLayers: [...hpMemit.layers].sort((a, b) => a - b),
        memitLambda: hpMemit.mom2UpdateWeight,
        ftLayer: hpFt.layers[0],
        delta: { numSteps: STORY_STEPS, lr: hpRome.vLr, weightDecay: hpRome.vWeightDecay, klFactor: hpRome.klFactor, clampNormFactor: hpRome.clampNormFactor, earlyStopLoss: 0, klPrompt: hpRome.klPrompt },
        ft: { numSteps: STORY_STEPS, lr: hpFt.lr, normConstraint: hpFt.normConstraint, earlyStopLoss: 0 },
      };
      if (hpMemit.vLr !== hpRome.vLr || hpMemit.klFactor !== hpRome.klFactor || hpMemit.vWeightDecay !== hpRome.vWeightDecay || hpMemit.clampNormFactor !== hpRome.clampNormFactor) {
        notes.push('memit: its z settings differ from ROME\'s v* settings; the PyTorch side uses ROME\'s');
      }
      const project: Record<Method, () => Promise<Float64Array[]>> = {
        rome: async () => {
          const s = await romeStep(ctx, STORY_REQUEST, settings.romeLayer, STORY_TEMPLATES, hpRome);
          const d = await host([s.delta.delta]);
          s.delta.delta.dispose();
          return d;
        },
        memit: async () => {
          const r = await memitApply(ctx, [STORY_REQUEST], hpMemit);
          const d = await host(r.deltas.map((x) => x.delta));
          await r.restore();
          return d;
        },
        ft: async () => {
          const r = await applyFt(ctx, [STORY_REQUEST], hpFt);
          const d = await host(r.deltas.map((x) => x.delta));
          await r.restore();
          return d;
        },
      };
      let ref: TorchReference | null = null;
      if ('python' in found) ref = await TorchReference.start(found.python, await writeStoryProblem(tmp, model, tokenizer, settings), opts.threads ?? 2);
      else if (bname === backends[0][0]) notes.push(`pytorch: ${found.missing}; ratios not measured`);
      try {
        for (const m of opts.methods) {
          const ours: number[] = [];
          const theirs: number[] = [];
          const oursCpu: number[] = [];
          const theirsCpu: number[] = [];
          let diff = NaN;
          for (let i = 0; i <= opts.edits; i++) {
            const t0 = performance.now();
            const c0 = process.cpuUsage();
            const d = await project[m]();
            const ms = performance.now() - t0;
            const c1 = process.cpuUsage(c0);
            const t = ref ? await ref.edit(m) : null;
            if (t && i === 0) diff = relDiff(d, t.deltas);
            if (i === 0) continue; // warm-up pair
            ours.push(ms);
            oursCpu.push((c1.user + c1.system) / 1000);
            if (t) {
              theirs.push(t.ms);
              theirsCpu.push(t.cpuMs);
            }
          }
          const p = median(ours);
          const q = theirs.length ? median(theirs) : NaN;
          const qc = theirsCpu.length ? median(theirsCpu) : NaN;
          rows.push({ method: m, backend: bname, edits: opts.edits, projectMs: p, torchMs: q, ratio: p / q, projectCpuMs: median(oursCpu), torchCpuMs: qc, relDiff: diff });
        }
        if (ref && bname === backends[0][0]) notes.push(`pytorch ${ref.info.torch} fp32 eager, ${ref.info.threads} threads, OMP_WAIT_POLICY=PASSIVE`);
      } finally {
        await ref?.close();
        model.dispose();
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  notes.push(`load average ${load0.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after, on ${cpus().length} cores`);
  notes.push(`stories260K: "${STORY_REQUEST.prompt}" -> ${STORY_REQUEST.target}; ROME ${STORY_TEMPLATES.length} fixed templates, MEMIT the bare one with C = ${STORY_MOM2}·I, ${STORY_STEPS} steps each, early stop off`);
  return { rows, notes };
}

/** The rows as a markdown table. */
export function storyTable(rows: readonly StoryRow[]): string {
  const head = ['method', 'backend', 'edits', 'project ms', 'pytorch ms', 'project/pytorch', 'cpu ms project', 'cpu ms pytorch', 'ΔW rel. diff'];
  const body = rows.map((r) => [r.method, r.backend, String(r.edits), r.projectMs.toFixed(0), r.torchMs.toFixed(0), r.ratio.toFixed(2), r.projectCpuMs.toFixed(0), r.torchCpuMs.toFixed(0), r.relDiff.toExponential(1)]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(w[i])).join(' | ')} |`;
  return [line(head), `|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`, ...body.map(line)].join('\n');
}
