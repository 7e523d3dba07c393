/**
 * Edit latency (ms per edit, split by phase) and peak live tensor memory of ROME and MEMIT, and the
 * statistics pass in tokens/second, on tiny random models, on the CPU and (when available) WebGPU
 * backends. Prints a Markdown table.
 *
 *   node --conditions=@crossedit/source --import tsx plugins/method-memit/scripts/bench.ts [--small] [--backend=cpu|webgpu]
 */
import { join } from 'node:path';
import { memory, parseHparams, type Backend, type EditRequest, type ModelConfig } from '@crossedit/core';
import rome, { romeApply, type RomeHparams } from '@crossedit/method-rome';
import { buildSecondMoments, openStats } from '@crossedit/stats';
import { cpuBackend, sentences, tempDir, tinySetup, writeCorpus } from '@crossedit/stats/testing';
import memit, { memitApply, type MemitHparams } from '../src/index.js';

const REQ: EditRequest = { id: 'a', prompt: 'The capital city of France', subject: 'France', target: 'Rome', lang: 'en' };
const SHAPES: Record<string, Partial<ModelConfig>> = {
  tiny: {},
  small: { hiddenSize: 256, intermediateSize: 688, numLayers: 8, numHeads: 8, numKvHeads: 4 },
};

/** Records the peak of live tensor bytes by checking after every kernel the backend runs. */
function trackPeak(be: Backend): { reset(): void; peak(): number } {
  let peak = 0;
  const run = be.run.bind(be);
  (be as { run: Backend['run'] }).run = ((...args: Parameters<Backend['run']>) => {
    const out = run(...args);
    peak = Math.max(peak, memory(be).bytes);
    return out;
  }) as Backend['run'];
  return { reset: () => (peak = memory(be).bytes), peak: () => peak };
}

const backends: [string, () => Promise<Backend>][] = [['cpu', async () => cpuBackend()]];
backends.push([
  'webgpu',
  async () => {
    const { createWebGpuBackend } = await import('@crossedit/webgpu');
    return createWebGpuBackend();
  },
]);
const shapes = process.argv.includes('--small') ? ['tiny', 'small'] : ['tiny'];
const only = process.argv.find((a) => a.startsWith('--backend='))?.slice(10);
console.log('| backend | model | what | total ms | templates ms | phase | phase | phase | peak MiB |');
console.log('|---|---|---|---|---|---|---|---|---|');
// rows are printed as they are measured
const out = { push: (row: string) => console.log(row) };
for (const [name, make] of backends) {
  if (only && name !== only) continue;
  let be: Backend;
  try {
    be = await make();
  } catch (e) {
    out.push(`| ${name} | unavailable: ${(e as Error).message.split('\n')[0]} |`);
    continue;
  }
  const tracker = trackPeak(be);
  for (const shape of shapes) {
    const setup = tinySetup({ seed: 3, backend: be, config: SHAPES[shape] });
    const { ctx, model, tokenizer } = setup;
    const dir = await tempDir('bench-');
    const corpus = await writeCorpus(dir, sentences(400, 5, 60));
    const mh = parseHparams<MemitHparams>('memit', memit.hparams, memit.presets?.(ctx.backbone));
    const st = await buildSecondMoments({ model, tokenizer, layers: mh.layers, corpus, sampleCount: 400, batchTokens: 2048, outDir: dir });
    ctx.stats = openStats({ dir, weightsHash: st.artifacts[0].weightsHash, backend: be });
    const rh = parseHparams<RomeHparams>('rome', rome.hparams, rome.presets?.(ctx.backbone));
    // first edit includes template generation; the second reuses the templates
    for (const run of [1, 2]) {
      tracker.reset();
      const base = memory(be).bytes;
      const r = await romeApply(ctx, [{ ...REQ, id: `a${run}` }], rh);
      const d = r.diagnostics as Record<string, number>;
      out.push(
        `| ${name} | ${shape} | rome #${run} | ${d.totalMs.toFixed(0)} | ${d.templatesMs.toFixed(0)} | u ${d.uMs.toFixed(0)} | v* ${d.vMs.toFixed(0)} (${d.vSteps} steps) | insert ${d.insertMs.toFixed(0)} | ${((tracker.peak() - base) / 2 ** 20).toFixed(2)} |`,
      );
      await r.restore();
    }
    for (const n of [1, 8]) {
      tracker.reset();
      const base = memory(be).bytes;
      const reqs = Array.from({ length: n }, (_, i) => ({ ...REQ, id: `m${i}` }));
      const r = await memitApply(ctx, reqs, mh);
      const d = r.diagnostics as Record<string, number>;
      out.push(
        `| ${name} | ${shape} | memit n=${n} | ${d.totalMs.toFixed(0)} | ${d.templatesMs.toFixed(0)} | keys ${d.keysMs.toFixed(0)}, factor ${d.factorMs.toFixed(0)} | z ${d.zMs.toFixed(0)} (${d.zSteps} steps) | solve+insert ${d.solveMs.toFixed(0)} | ${((tracker.peak() - base) / 2 ** 20).toFixed(2)} |`,
      );
      await r.restore();
    }
    out.push(`| ${name} | ${shape} | stats pass | ${st.elapsedMs.toFixed(0)} | | ${st.tokens} tokens | **${st.tokensPerSecond.toFixed(0)} tokens/s** | layers ${mh.layers} | |`);
    model.dispose();
  }
  if (name !== 'cpu') be.dispose();
}
