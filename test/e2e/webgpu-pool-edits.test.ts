/**
 * Many ROME edits on WebGPU with a pool that keeps nothing (#11 §3): every freed buffer is destroyed as
 * soon as that is allowed, which used to fail the submit ("Buffer used in submit while destroyed") once
 * an eval's pool reached its cap. Each edit must succeed and give exactly the ΔW of the same edit on a
 * backend with the default pool (the pool changes which memory is used, never a value).
 */
import { parseHparams, type EditRequest } from '@crossedit/core';
import rome, { romeApply, type RomeHparams } from '@crossedit/method-rome';
import { tinySetup } from '@crossedit/stats/testing';
import { createWebGpuBackend, type WebGpuBackend } from '@crossedit/webgpu';
import { afterAll, describe, expect, it } from 'vitest';

const REQS: EditRequest[] = [
  { id: 'p0', prompt: 'The capital city of France', subject: 'France', target: 'Rome', lang: 'en' },
  { id: 'p1', prompt: 'The author of Hamlet', subject: 'Hamlet', target: 'Goethe', lang: 'en' },
  { id: 'p2', prompt: 'The river through Vienna', subject: 'Vienna', target: 'Rhine', lang: 'en' },
  { id: 'p3', prompt: 'The language of Brazil', subject: 'Brazil', target: 'German', lang: 'en' },
];

const opened: WebGpuBackend[] = [];
afterAll(() => opened.forEach((b) => b.dispose()));

/** ΔW of each request, edited one after the other (each restored before the next), on `backend`. */
async function edits(backend: WebGpuBackend): Promise<Float32Array[]> {
  const setup = tinySetup({ seed: 5, backend });
  const hp = parseHparams<RomeHparams>('rome', rome.hparams, rome.presets?.(setup.ctx.backbone), { vNumGradSteps: 6, contextTemplateLengths: [[5, 5]] });
  const out: Float32Array[] = [];
  for (const req of REQS) {
    const res = await romeApply(setup.ctx, [req], hp);
    out.push(Float32Array.from(await res.deltas[0].delta.data()));
    await res.restore();
  }
  setup.model.dispose();
  return out;
}

describe('ROME edits on WebGPU with an empty pool', () => {
  it('every edit succeeds and equals the default-pool edit bit for bit', async () => {
    const tight = await createWebGpuBackend({ maxPooledBytes: 0, batchLimit: 1024 });
    const roomy = await createWebGpuBackend();
    opened.push(tight, roomy);
    const a = await edits(tight);
    const b = await edits(roomy);
    await tight.sync();
    expect(tight.poolStats().bytesPooled).toBe(0);
    expect(a).toHaveLength(REQS.length);
    for (let i = 0; i < a.length; i++) {
      expect(a[i].some((v) => v !== 0), `edit ${i} changed something`).toBe(true);
      expect(Array.from(a[i]), `edit ${i}`).toEqual(Array.from(b[i]));
    }
  }, 300_000);
});
