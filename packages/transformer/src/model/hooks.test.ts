import { describe, expect, it } from 'vitest';
import { memory, sub, tensor, tidy, zeros, type ModuleRef, type Tensor } from '@crossedit/core';
import { addAtHook, captureHook, replaceAtHook } from './hooks.js';
import { naiveForward } from './testing/naive.js';
import { TINY, expectClose, hostWeights, nested3, tinyModel } from './testing/setup.js';

const rows = [
  [3, 17, 42, 8, 1],
  [11, 0, 49, 23, 5],
];
const idsT = (r: number[][] = rows): Tensor => tensor(Int32Array.from(r.flat()), [r.length, r[0].length], { dtype: 'i32' });

async function logits(model: ReturnType<typeof tinyModel>, hooks: Parameters<typeof model.forward>[1] = {}, r = rows): Promise<number[]> {
  const l = tidy(() => model.forward(idsT(r), hooks).logits!);
  const v = Array.from(await l.data());
  l.dispose();
  return v;
}

describe('hook points', () => {
  it('capture the documented input/output of every module (vs the naive trace)', async () => {
    const model = tinyModel();
    const tr = naiveForward(TINY, await hostWeights(model), rows);
    const L = 1;
    const cases: [ModuleRef, 'input' | 'output', number[][][]][] = [
      [{ kind: 'embed' }, 'output', tr.embed],
      [{ kind: 'layer', layer: L }, 'input', tr.layerIn[L]],
      [{ kind: 'layer', layer: L }, 'output', tr.layerOut[L]],
      [{ kind: 'attn', layer: L }, 'input', tr.attnIn[L]],
      [{ kind: 'attn', layer: L }, 'output', tr.attnOut[L]],
      [{ kind: 'mlp', layer: L }, 'input', tr.mlpIn[L]],
      [{ kind: 'mlp', layer: L }, 'output', tr.mlpOut[L]],
      [{ kind: 'mlp.gate', layer: L }, 'input', tr.mlpIn[L]],
      [{ kind: 'mlp.gate', layer: L }, 'output', tr.gate[L]],
      [{ kind: 'mlp.up', layer: L }, 'output', tr.up[L]],
      [{ kind: 'mlp.down', layer: L }, 'input', tr.key[L]],
      [{ kind: 'mlp.down', layer: L }, 'output', tr.mlpOut[L]],
      [{ kind: 'final' }, 'input', tr.layerOut[TINY.numLayers - 1]],
      [{ kind: 'final' }, 'output', tr.final],
      [{ kind: 'logits' }, 'output', tr.logits],
    ];
    const base = memory().tensors;
    const got: Tensor[] = [];
    tidy(() => void model.forward(idsT(), { hooks: cases.map(([ref, io], i) => captureHook(ref, io, (t) => (got[i] = t))) }));
    expect(memory().tensors).toBe(base + cases.length); // captured handles survive the tidy
    for (let i = 0; i < cases.length; i++) {
      const [ref, io, want] = cases[i];
      expectClose((await nested3(got[i])).flat(2), want.flat(2), 1e-10, 1e-10, `${ref.kind} ${io}`);
      got[i].dispose();
    }
    expect(memory().tensors).toBe(base);
    model.dispose();
  });

  it('capture at (row, position) pairs returns those rows', async () => {
    const model = tinyModel();
    const tr = naiveForward(TINY, await hostWeights(model), rows);
    let t: Tensor | undefined;
    tidy(() => void model.forward(idsT(), { hooks: [captureHook({ kind: 'mlp.down', layer: 0 }, 'input', (x) => (t = x), { rows: [1, 0, 1], positions: [4, 2, 0] })], stopAfterLayer: 0 }));
    expect(t!.shape).toEqual([3, TINY.intermediateSize]);
    expectClose(await t!.data(), [...tr.key[0][1][4], ...tr.key[0][0][2], ...tr.key[0][1][0]], 1e-10, 1e-10);
    t!.dispose();
    model.dispose();
  });

  it('replacing / adding at the embedding output equals changing the token', async () => {
    const model = tinyModel();
    const emb = model.weight({ kind: 'embed' });
    const changed = rows.map((r) => r.slice());
    changed[0][2] = 30;
    changed[1][4] = 31;
    const want = await logits(model, {}, changed);
    const embRows = await emb.data();
    const row = (id: number) => Array.from(embRows.subarray(id * TINY.hiddenSize, (id + 1) * TINY.hiddenSize));
    const values = tensor([...row(30), ...row(31)], [2, TINY.hiddenSize]);
    const ref = { kind: 'embed' } as const;
    expectClose(await logits(model, { hooks: [replaceAtHook(ref, [0, 1], [2, 4], values)] }), want, 1e-10, 1e-10, 'replace');
    const deltas = tensor([...row(30).map((v, i) => v - row(42)[i]), ...row(31).map((v, i) => v - row(5)[i])], [2, TINY.hiddenSize]);
    expectClose(await logits(model, { hooks: [addAtHook(ref, [0, 1], [2, 4], deltas)] }), want, 1e-10, 1e-10, 'add [n,D]');
    // one [D] vector at one pair
    const one = rows.map((r) => r.slice());
    one[1][1] = 30;
    const d1 = tensor(row(30).map((v, i) => v - row(0)[i]));
    expectClose(await logits(model, { hooks: [addAtHook(ref, [1], [1], d1)] }), await logits(model, {}, one), 1e-10, 1e-10, 'add [D]');
    values.dispose();
    deltas.dispose();
    d1.dispose();
    model.dispose();
  });

  it('an input hook of mlp.gate feeds only the gate projection', async () => {
    const model = tinyModel();
    const caps: Tensor[] = [];
    const z = zeros([TINY.hiddenSize]);
    tidy(
      () =>
        void model.forward(idsT(), {
          hooks: [
            replaceAtHook({ kind: 'mlp.gate', layer: 0 }, [0], [3], z, 'input'),
            captureHook({ kind: 'mlp.gate', layer: 0 }, 'output', (t) => caps.push(t), { rows: [0, 0], positions: [3, 2] }),
            captureHook({ kind: 'mlp.up', layer: 0 }, 'output', (t) => caps.push(t), { rows: [0], positions: [3] }),
          ],
        }),
    );
    const tr = naiveForward(TINY, await hostWeights(model), rows);
    const [gate, up] = [await caps[0].data(), await caps[1].data()];
    expectClose(gate.subarray(0, TINY.intermediateSize), new Array(TINY.intermediateSize).fill(0), 0, 1e-15, 'gate zeroed');
    expectClose(gate.subarray(TINY.intermediateSize), tr.gate[0][0][2], 1e-10, 1e-10, 'other position intact');
    expectClose(up, tr.up[0][0][3], 1e-10, 1e-10, 'up intact');
    caps.forEach((c) => c.dispose());
    z.dispose();
    model.dispose();
  });

  it('adding at a module equals replacing by the captured value plus the vector', async () => {
    const model = tinyModel();
    const ref = { kind: 'mlp', layer: 0 } as const;
    let cap: Tensor | undefined;
    tidy(() => void model.forward(idsT(), { hooks: [captureHook(ref, 'output', (t) => (cap = t), { rows: [1], positions: [2] })] }));
    const vec = tensor(Array.from({ length: TINY.hiddenSize }, (_, i) => Math.sin(i)));
    const repl = tidy(() => sub(cap!, tensor(Array.from({ length: TINY.hiddenSize }, (_, i) => -Math.sin(i)), [1, TINY.hiddenSize])));
    const a = await logits(model, { hooks: [addAtHook(ref, [1], [2], vec)] });
    const b = await logits(model, { hooks: [replaceAtHook(ref, [1], [2], repl)] });
    expectClose(a, b, 1e-10, 1e-10);
    expect(a).not.toEqual(await logits(model));
    [cap!, vec, repl].forEach((t) => t.dispose());
    model.dispose();
  });

  it('reports bad hooks clearly', () => {
    const model = tinyModel();
    const v = zeros([TINY.hiddenSize]);
    const fwd = (h: Parameters<typeof model.forward>[1]) => tidy(() => void model.forward(idsT(), h));
    expect(() => fwd({ hooks: [{ ref: { kind: 'mlp', layer: 0 }, fn: () => zeros([2]) }] })).toThrow('hook mlp[0] (output) returned f32[2], expected a replacement of f32[2,5,16]');
    expect(() => fwd({ hooks: [addAtHook({ kind: 'attn', layer: 5 }, [0], [0], v)] })).toThrow('hook attn[5]: layer out of range [0, 2)');
    expect(() => fwd({ hooks: [addAtHook({ kind: 'attn', layer: 0 }, [0], [9], v)] })).toThrow('addAtHook attn[0]: pair 0 (row 0, position 9) is outside [2, 5]');
    expect(() => replaceAtHook({ kind: 'embed' }, [0, 0], [1, 1], v)).toThrow(/given twice/);
    expect(() => fwd({ hooks: [addAtHook({ kind: 'mlp.gate', layer: 0 }, [0], [0], v)] })).toThrow(/does not match feature size 24/);
    v.dispose();
    model.dispose();
  });
});
