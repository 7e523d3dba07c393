/**
 * Edits on half-precision weights (#15): a tiny model with f16-stored matrices on WebGPU, edited by ROME
 * (through `applyDeltas`) and FT (its own optimisation loop). The edited matrix is f32 while edited (ΔW
 * computed in f32); `restore()` gives back the loaded f16 tensors, checked by hashing every weight's
 * half-precision bits.
 */
import { createHash } from 'node:crypto';
import { parseHparams, toF16Bits, type EditRequest, type EditResult, type LanguageModel } from '@crossedit/core';
import ft, { type FtHparams } from '@crossedit/method-ft';
import kn, { type KnHparams } from '@crossedit/method-kn';
import memit, { type MemitHparams } from '@crossedit/method-memit';
import { identityStats } from '@crossedit/testing';
import rome, { romeApply, type RomeHparams } from '@crossedit/method-rome';
import { tinySetup } from '@crossedit/stats/testing';
import { weightsHash } from '@crossedit/transformer';
import { createWebGpuBackend, type WebGpuBackend } from '@crossedit/webgpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REQ: EditRequest = { id: 'p0', prompt: 'The capital city of France', subject: 'France', target: 'Rome', lang: 'en' };

let gpu: WebGpuBackend;
beforeAll(async () => {
  gpu = await createWebGpuBackend();
});
afterAll(() => gpu?.dispose());

/** SHA-256 over the half-precision bit patterns of every f16 weight (name order). */
async function f16BitsHash(model: LanguageModel): Promise<string> {
  const h = createHash('sha256');
  for (const [name, t] of [...model.weights()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (t.dtype !== 'f16') continue;
    const bits = toF16Bits(await t.data());
    h.update(name).update(new Uint8Array(bits.buffer, bits.byteOffset, bits.byteLength));
  }
  return h.digest('hex');
}

/** Runs one edit on a fresh f16 tiny model (`stats`: MEMIT's identity second moments); checks dtypes, that the edit changed the matrix, and the restore hash. */
async function editAndRestore(edit: (setup: ReturnType<typeof tinySetup>) => Promise<EditResult>, stats = false) {
  const setup = tinySetup({ seed: 5, backend: gpu, dtype: 'f16', stats: stats ? identityStats(48, gpu) : undefined });
  const { model } = setup;
  try {
    const dtypes = new Set([...model.weights()].map(([n, t]) => `${t.rank}:${t.dtype}`));
    expect([...dtypes].sort()).toEqual(['1:f32', '2:f16']);
    const before = await weightsHash(model);
    const bitsBefore = await f16BitsHash(model);
    const res = await edit(setup);
    expect(res.deltas.length).toBeGreaterThan(0);
    for (const d of res.deltas) {
      expect(d.delta.dtype).toBe('f32');
      const w = model.weight(d.ref);
      expect(w.dtype, 'the edited matrix is kept in f32').toBe('f32');
      const dv = await d.delta.data();
      expect(dv.some((v) => v !== 0)).toBe(true);
    }
    expect(await weightsHash(model)).not.toBe(before);
    await res.restore();
    for (const d of res.deltas) expect(model.weight(d.ref).dtype).toBe('f16');
    expect(await weightsHash(model), 'restore() brings back the loaded weights').toBe(before);
    expect(await f16BitsHash(model), 'restore() brings back the loaded f16 bits').toBe(bitsBefore);
  } finally {
    model.dispose();
  }
}

describe('edits on f16-stored weights (WebGPU)', () => {
  it('ROME: ΔW in f32, the edited matrix f32, restore bit-identical to the f16 bits', async () => {
    await editAndRestore(async ({ ctx }) => {
      const hp = parseHparams<RomeHparams>('rome', rome.hparams, rome.presets?.(ctx.backbone), { vNumGradSteps: 6, contextTemplateLengths: [[5, 5]] });
      return romeApply(ctx, [REQ], hp);
    });
  }, 120_000);

  it('FT: trains f32 copies of the f16 matrices, restore bit-identical to the f16 bits', async () => {
    await editAndRestore(async ({ ctx }) => {
      const hp = parseHparams<FtHparams>('ft', ft.hparams, ft.presets?.(ctx.backbone), { layers: [1], numSteps: 3 });
      return ft.apply(ctx, [REQ], hp);
    });
  }, 120_000);

  it('KN and MEMIT (applyDeltas): the same f32 edit and bit-identical restore', async () => {
    await editAndRestore(async ({ ctx }) => kn.apply(ctx, [REQ], parseHparams<KnHparams>('kn', kn.hparams, kn.presets?.(ctx.backbone), { steps: 4 })));
    await editAndRestore(async ({ ctx }) => {
      const hp = parseHparams<MemitHparams>('memit', memit.hparams, memit.presets?.(ctx.backbone), { vNumGradSteps: 4, contextTemplateLengths: [] });
      return memit.apply(ctx, [REQ], hp);
    }, true);
  }, 180_000);
});
