/**
 * `pnpm bench fp16-rome`: how much storing the weights in f16 changes a ROME edit (EasyEdit notes that fp16
 * changes ROME's results). Two problems, each run with f32 weights and with f16-stored weights (f32
 * accumulation, f32 activations: this project's f16), edits computed in f32:
 *
 * 1. **stories260K** (`../shared/models/stories260k`): the full ROME step (u with C = 0.1·I, v* by 25 steps,
 *    the rank-one insert) on the real model, f32 vs f16 weights (the GGUF's f32 values rounded to f16).
 *    Reported: ‖ΔW16 − ΔW32‖/‖ΔW32‖, the cosine of the two ΔW, ‖v*16 − v*32‖/‖v*32‖, and the target's
 *    teacher-forced probability before and after, for f32, f16 edited in f32 (kept in f32: this project's
 *    choice) and f16 re-rounded after the edit (the alternative).
 * 2. **a 7B-shaped layer** (`mlp.down` of hidden 4096, intermediate 11008, random weights N(0, 1/11008)): the
 *    rank-one insert ΔW = (v* − W k*) k*ᵀ / (k*ᵀ k*) (C = I) for a target output v* = W k* + δ that makes
 *    a chosen token of a random read-out U [8192, 4096] win, with W in f32 and in f16 (the product W k*
 *    by the f16 kernels). Reported: ‖ΔW16 − ΔW32‖/‖ΔW32‖, the output error ‖W' k* − v*‖/‖δ‖ and the
 *    target probability softmax(U W' k*) at k* and at a paraphrase key k* + noise, for the same three variants.
 *
 * Runs on WebGPU (lavapipe here) when an adapter exists, else on the f32 CPU backend (f16 widened there).
 *
 *   pnpm bench fp16-rome [--skip-7b] [--skip-stories] [--backend webgpu|cpu-f32] [--json FILE]
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  Rng,
  add,
  cast,
  matmul,
  parseHparams,
  reshape,
  sub,
  tensor,
  tidy,
  untrack,
  type Backend,
  type EditContext,
  type LanguageModel,
  type StatsProvider,
  type Tensor,
  type WeightDType,
} from '@crossedit/core';
import llama from '@crossedit/backbone-llama';
import { createCpuF32Backend } from '@crossedit/cpu';
import { sharedDir } from '@crossedit/tokenizers';
import { scoreTeacherForced, teacherForcedIds } from '@crossedit/transformer';
import rome, { romeStep } from '../../plugins/method-rome/src/index.js';
import { choiceFlag } from './args.js';
import { STORY_MOM2, STORY_REQUEST, STORY_STEPS, STORY_TEMPLATES } from './stories/problem.js';

/** ‖a − b‖ / ‖b‖ and the cosine of a and b, in float64. */
export function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): { rel: number; cos: number } {
  let d = 0;
  let nb = 0;
  let na = 0;
  let dot = 0;
  for (let i = 0; i < b.length; i++) {
    d += (a[i] - b[i]) ** 2;
    nb += b[i] ** 2;
    na += a[i] ** 2;
    dot += a[i] * b[i];
  }
  return { rel: Math.sqrt(d / nb), cos: dot / Math.sqrt(na * nb) };
}

/** The three weight variants of an edit. */
export type Variant = 'f32' | 'f16 (edited in f32)' | 'f16 re-rounded';

async function host(t: Tensor): Promise<Float64Array> {
  return Float64Array.from(await t.data());
}

function identityStats(m: number, c: number, backend: Backend): StatsProvider {
  const v = new Float64Array(m * m);
  for (let i = 0; i < m; i++) v[i * m + i] = c;
  return { secondMoment: async () => tensor(v, [m, m], { backend }) };
}

/** Mean per-token probability of the story target (teacher-forced). */
async function targetProb(model: LanguageModel, ctx: EditContext): Promise<number> {
  const item = teacherForcedIds(ctx.tokenizer, STORY_REQUEST.prompt, STORY_REQUEST.target);
  const s = await scoreTeacherForced(model, item.promptIds, item.targetIds);
  return s.logProbs.reduce((a, p) => a + Math.exp(p), 0) / s.logProbs.length;
}

/** One stories260K run: the ROME step on weights stored in `dtype`, and the probabilities of each variant. */
async function storiesRun(backend: Backend, dtype: WeightDType): Promise<{ layer: number; delta: Float64Array; v: Float64Array; pre: number; post: Partial<Record<Variant, number>>; ms: number }> {
  const gguf = path.join(sharedDir(), 'models/stories260k/stories260K.gguf');
  const model = await llama.loadModel({ modelDir: gguf }, { backend, dtype });
  try {
    const tokenizer = await llama.createTokenizer({ modelDir: gguf });
    const info = { id: llama.id, config: model.config };
    const ctx: EditContext = { model, tokenizer, backbone: info, backend, rng: new Rng(0), stats: identityStats(model.config.intermediateSize, STORY_MOM2, backend), log: { info() {}, warn() {} } };
    const hp = parseHparams(rome.id, rome.hparams, rome.presets?.(info), { vNumGradSteps: STORY_STEPS, earlyStopLoss: 0 });
    const pre = await targetProb(model, ctx);
    const t0 = performance.now();
    const step = await romeStep(ctx, STORY_REQUEST, hp.layers[0], STORY_TEMPLATES, hp);
    const ms = performance.now() - t0;
    const ref = step.delta.ref;
    const orig = model.weight(ref);
    const post: Partial<Record<Variant, number>> = {};
    const edited = untrack(tidy(() => add(orig.dtype === 'f16' ? cast(orig, 'f32') : orig, step.delta.delta)));
    model.setWeight(ref, edited);
    post[dtype === 'f32' ? 'f32' : 'f16 (edited in f32)'] = await targetProb(model, ctx);
    if (dtype === 'f16') {
      model.setWeight(ref, untrack(tidy(() => cast(edited, 'f16'))));
      post['f16 re-rounded'] = await targetProb(model, ctx);
      model.weight(ref).dispose();
    }
    model.setWeight(ref, orig);
    edited.dispose();
    const delta = await host(step.delta.delta);
    step.delta.delta.dispose();
    return { layer: hp.layers[0], delta, v: Float64Array.from(step.v.target), pre, post, ms };
  } finally {
    model.dispose();
  }
}

/** softmax(logits)[t] in float64. */
function probOf(logits: ArrayLike<number>, t: number): number {
  let m = -Infinity;
  for (let i = 0; i < logits.length; i++) m = Math.max(m, logits[i]);
  let z = 0;
  for (let i = 0; i < logits.length; i++) z += Math.exp(logits[i] - m);
  return Math.exp(logits[t] - m) / z;
}

/** Options of {@link layer7b}. */
export interface Layer7bOptions {
  hidden?: number;
  intermediate?: number;
  vocab?: number;
  seed?: number;
}

/** The 7B-shaped `mlp.down` insert, f32 vs f16 weights. */
export async function layer7b(backend: Backend, o: Layer7bOptions = {}) {
  const D = o.hidden ?? 4096;
  const M = o.intermediate ?? 11008;
  const V = o.vocab ?? 8192;
  const rng = new Rng(o.seed ?? 7);
  const w = new Float32Array(D * M);
  const sw = 1 / Math.sqrt(M);
  for (let i = 0; i < w.length; i++) w[i] = sw * rng.gaussian();
  const u = new Float32Array(V * D);
  const su = 1 / Math.sqrt(D);
  for (let i = 0; i < u.length; i++) u[i] = su * rng.gaussian();
  // a key like an MLP activation (silu(gate) * up): heavy-tailed, and a paraphrase key near it
  const k = new Float32Array(M);
  const kp = new Float32Array(M);
  for (let i = 0; i < M; i++) {
    const g = rng.gaussian();
    k[i] = (g / (1 + Math.exp(-g))) * rng.gaussian();
  }
  let kn = 0;
  for (const x of k) kn += x * x;
  kn = Math.sqrt(kn / M);
  for (let i = 0; i < M; i++) kp[i] = k[i] + 0.3 * kn * rng.gaussian();
  const t0 = performance.now();
  const W32 = tensor(w, [D, M], { backend });
  const W16 = tensor(w, [D, M], { backend, dtype: 'f16' });
  const U = tensor(u, [V, D], { backend });
  const K = tensor(k, [M, 1], { backend });
  const Kp = tensor(kp, [M, 1], { backend });
  const kk = k.reduce((a, x) => a + x * x, 0);
  try {
    const wk32 = await host(tidy(() => reshape(matmul(W32, K), [D])));
    const wk16 = await host(tidy(() => reshape(matmul(W16, K), [D])));
    const pre = await host(tidy(() => reshape(matmul(U, tensor(wk32, [D, 1], { backend })), [V])));
    // the target: the token that is 1000th most likely before, pushed up by δ along its read-out row
    const order = Array.from(pre.keys()).sort((a, b) => pre[b] - pre[a]);
    const target = order[Math.min(999, V - 1)];
    let wkNorm = 0;
    for (const x of wk32) wkNorm += x * x;
    wkNorm = Math.sqrt(wkNorm);
    const row = u.subarray(target * D, target * D + D);
    let rn = 0;
    for (const x of row) rn += x * x;
    rn = Math.sqrt(rn);
    // δ along the target's read-out row, large enough to lift its logit to the log-sum-exp of the others:
    // a post-edit probability near 1/2 (the range ROME reaches on real models), not a saturated 1
    let mx = -Infinity;
    for (let i = 0; i < V; i++) if (i !== target) mx = Math.max(mx, pre[i]);
    let z = 0;
    for (let i = 0; i < V; i++) if (i !== target) z += Math.exp(pre[i] - mx);
    const deltaNorm = (mx + Math.log(z) - pre[target]) / rn;
    const delta = Float64Array.from(row, (x) => (x / rn) * deltaNorm);
    const vStar = Float64Array.from(wk32, (x, i) => x + delta[i]);
    const r32 = Float64Array.from(vStar, (x, i) => x - wk32[i]);
    const r16 = Float64Array.from(vStar, (x, i) => x - wk16[i]);
    const dw = relDiff(r16, r32); // ΔW = r kᵀ / (kᵀk): the relative difference of ΔW is that of r
    const out: Record<Variant, { outErr: number; pAtKey: number; pAtParaphrase: number }> = {} as never;
    const measure = async (Wp: Tensor, variant: Variant) => {
      const y = await host(tidy(() => reshape(matmul(Wp, K), [D])));
      const yp = tidy(() => matmul(Wp, Kp));
      const lk = await host(tidy(() => reshape(matmul(U, tensor(y, [D, 1], { backend })), [V])));
      const lp = await host(tidy(() => reshape(matmul(U, yp), [V])));
      yp.dispose();
      let e = 0;
      for (let i = 0; i < D; i++) e += (y[i] - vStar[i]) ** 2;
      out[variant] = { outErr: Math.sqrt(e) / deltaNorm, pAtKey: probOf(lk, target), pAtParaphrase: probOf(lp, target) };
    };
    const kRow = tensor(Float32Array.from(k, (x) => x / kk), [1, M], { backend });
    for (const [variant, base, r] of [
      ['f32', W32, r32],
      ['f16 (edited in f32)', W16, r16],
    ] as const) {
      const Wp = untrack(tidy(() => add(base.dtype === 'f16' ? cast(base, 'f32') : base, matmul(tensor(Float32Array.from(r), [D, 1], { backend }), kRow))));
      await measure(Wp, variant);
      if (base.dtype === 'f16') {
        const rr = untrack(tidy(() => cast(Wp, 'f16')));
        await measure(rr, 'f16 re-rounded');
        rr.dispose();
      }
      Wp.dispose();
    }
    kRow.dispose();
    const preP = { pAtKey: probOf(pre, target), pAtParaphrase: probOf(await host(tidy(() => reshape(matmul(U, matmul(W32, Kp)), [V]))), target) };
    const wRound = relDiff(await W16.data(), w);
    return { shape: { hidden: D, intermediate: M, vocab: V }, target, deltaOverWk: deltaNorm / wkNorm, weightRounding: wRound.rel, wkRel: relDiff(wk16, wk32).rel, deltaW: dw, pre: preP, variants: out, ms: performance.now() - t0 };
  } finally {
    for (const t of [W32, W16, U, K, Kp]) t.dispose();
  }
}

const pct = (x: number) => `${(100 * x).toPrecision(3)} %`;
const sci = (x: number) => x.toExponential(2);

/** Entry point. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({ args: argv, strict: true, options: { 'skip-7b': { type: 'boolean' }, 'skip-stories': { type: 'boolean' }, backend: { type: 'string' }, json: { type: 'string' } } });
  choiceFlag(values, 'backend', ['webgpu', 'cpu-f32']);
  let backend: Backend;
  let note = '';
  if (values.backend === 'cpu-f32') backend = createCpuF32Backend();
  else {
    try {
      const { createWebGpuBackend } = await import('@crossedit/webgpu');
      backend = await createWebGpuBackend();
    } catch (e) {
      if (values.backend === 'webgpu') throw e;
      backend = createCpuF32Backend();
      note = ` (no WebGPU adapter: ${(e as Error).message.split('\n')[0]})`;
    }
  }
  const f16 = backend.f16 ?? 'unavailable';
  const report: Record<string, unknown> = { backend: backend.name, f16 };
  const lines: string[] = [`fp16 vs f32 ROME — backend ${backend.name}${note}, f16 storage ${f16}`, ''];
  try {
    if (!values['skip-stories']) {
      const a = await storiesRun(backend, 'f32');
      const b = await storiesRun(backend, 'f16');
      const d = relDiff(b.delta, a.delta);
      const v = relDiff(b.v, a.v);
      report.stories = { layer: a.layer, deltaW: d, vStar: v, pre: { f32: a.pre, f16: b.pre }, post: { ...a.post, ...b.post }, ms: { f32: a.ms, f16: b.ms } };
      lines.push(
        `stories260K, ROME at layer ${a.layer} (C = ${STORY_MOM2}·I, ${STORY_STEPS} v* steps, "${STORY_REQUEST.prompt}" → "${STORY_REQUEST.target}")`,
        `  ‖ΔW16 − ΔW32‖/‖ΔW32‖ = ${pct(d.rel)}   cos(ΔW16, ΔW32) = ${d.cos.toFixed(6)}   ‖v*16 − v*32‖/‖v*32‖ = ${pct(v.rel)}`,
        `  target probability (mean per token): before f32 ${sci(a.pre)}, f16 ${sci(b.pre)}`,
        ...Object.entries({ ...a.post, ...b.post }).map(([k, p]) => `    after, ${k.padEnd(20)} ${p!.toFixed(6)}`),
        `  step time: f32 ${(a.ms / 1000).toFixed(1)} s, f16 ${(b.ms / 1000).toFixed(1)} s`,
        '',
      );
    }
    if (!values['skip-7b']) {
      const r = await layer7b(backend);
      report.layer7b = r;
      lines.push(
        `7B-shaped mlp.down [${r.shape.hidden}, ${r.shape.intermediate}] (random N(0, 1/${r.shape.intermediate})), C = I, read-out U [${r.shape.vocab}, ${r.shape.hidden}], target token ${r.target} (1000th before the edit)`,
        `  f16 rounding of W: ‖f16(W) − W‖/‖W‖ = ${sci(r.weightRounding)};  ‖W16 k* − W32 k*‖/‖W32 k*‖ = ${sci(r.wkRel)};  ‖δ‖/‖W k*‖ = ${sci(r.deltaOverWk)}`,
        `  ‖ΔW16 − ΔW32‖/‖ΔW32‖ = ${sci(r.deltaW.rel)}   cos = ${r.deltaW.cos.toFixed(8)}`,
        `  target probability before: at k* ${sci(r.pre.pAtKey)}, at the paraphrase key ${sci(r.pre.pAtParaphrase)}`,
        ...Object.entries(r.variants).map(([k, m]) => `    after, ${k.padEnd(20)} ‖W'k* − v*‖/‖δ‖ = ${sci(m.outErr)}   p(target | k*) = ${m.pAtKey.toFixed(6)}   p(target | paraphrase) = ${m.pAtParaphrase.toFixed(6)}`),
        ...(['f16 (edited in f32)', 'f16 re-rounded'] as const).map((k) => {
          const a = r.variants[k];
          const b = r.variants.f32;
          return `    ${k} − f32: Δp(target | k*) = ${sci(a.pAtKey - b.pAtKey)}, Δp(target | paraphrase) = ${sci(a.pAtParaphrase - b.pAtParaphrase)}`;
        }),
        `  time ${(r.ms / 1000).toFixed(1)} s`,
      );
    }
  } finally {
    backend.dispose();
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) await main();
