import { describe, expect, it } from 'vitest';
import { captureHook, crossEntropy, tensor, valueAndGrads, type ModelConfig, type Tensor } from '@crossedit/core';
import { createCpuBackend } from '@crossedit/cpu';
import { LlamaModel } from '@crossedit/transformer';
import type { TrainConfig } from './config.js';
import { PLAIN } from '../testing/config.js';
import { collate, type Seq } from './data.js';
import { initWeights } from './init.js';
import { checkObjectives, copyPool, interchangeBatch, interchangeGroups, interchangeLoss, keyDecorrelationPenalty, realTokens, type InterchangeBatch } from './objectives.js';
import { Trainer } from './trainer.js';

const backend = createCpuBackend(); // float64
const model: ModelConfig = { ...PLAIN.model, vocabSize: 40, hiddenSize: 16, intermediateSize: 24, numHeads: 2, numKvHeads: 2, numLayers: 3, maxPositions: 32 };
const fresh = () => new LlamaModel(model, initWeights(model, 5, backend));
const cfg = (over: Partial<TrainConfig> = {}): TrainConfig => ({ ...PLAIN, model, seed: 11, steps: 4, batchSize: 4, warmupSteps: 1, ...over });

// Lines 0, 1, 4 share a template ([BOS 5] subject [6 7] answer); 2 and 3 share another (BOS subject [8]);
// line 5 has a template of its own; line 6 has no subject.
const lines: Seq[] = [
  { ids: [1, 5, 20, 21, 6, 7, 30, 2], answerStart: 6, answerEnd: 7, lang: 'en', subject: [2, 3] },
  { ids: [1, 5, 22, 6, 7, 31, 32, 2], answerStart: 5, answerEnd: 7, lang: 'en', subject: [2, 2] },
  { ids: [1, 23, 24, 8, 33, 2], answerStart: 4, answerEnd: 5, lang: 'en', subject: [1, 2] },
  { ids: [1, 25, 8, 34, 35, 36, 2], answerStart: 3, answerEnd: 6, lang: 'zh', subject: [1, 1] },
  { ids: [1, 5, 26, 27, 28, 6, 7, 37, 2], answerStart: 7, answerEnd: 8, lang: 'en', subject: [2, 4] },
  { ids: [1, 9, 29, 10, 38, 2], answerStart: 4, answerEnd: 5, lang: 'en', subject: [2, 2] },
  { ids: [1, 11, 12, 13, 2], answerStart: 3, answerEnd: 4, lang: 'en' },
];

describe('interchangeGroups and interchangeBatch', () => {
  it('groups the lines by prompt-with-the-subject-cut-out, leaving out singletons and lines without a subject', () => {
    const groups = interchangeGroups(lines).map((g) => [...g].sort());
    expect(groups.sort()).toEqual([
      [0, 1, 4],
      [2, 3],
    ]);
  });

  it("pairs each base with another line of its group: the base's prompt, the source's answer, EOS", () => {
    const groups = interchangeGroups(lines);
    const b = interchangeBatch(lines, groups, cfg({ interchange: { weight: 1, rows: 32 } }), 3, 2);
    expect(b.bases).toHaveLength(32);
    const template = (s: Seq) => `${s.ids.slice(0, s.subject![0]).join(',')}|${s.ids.slice(s.subject![1] + 1, s.answerStart).join(',')}`;
    b.bases.forEach((base, r) => {
      const src = b.sources[r];
      expect(template(base)).toBe(template(src));
      expect(base.ids.slice(base.answerStart, base.answerEnd)).toEqual(src.ids.slice(src.answerStart, src.answerEnd));
      expect(base.ids.at(-1)).toBe(2);
      expect(base.ids.length).toBe(base.answerEnd + 1);
      expect(b.sourcePos[r]).toBe(src.subject![1]);
      expect(b.basePos[r]).toBe(base.subject![1]);
      // never a line with itself: its prompt differs from the source's
      expect(base.ids.slice(0, base.answerStart)).not.toEqual(src.ids.slice(0, src.answerStart));
    });
    // every grouped line is drawn as a base somewhere in 32 rows, and the draws replay
    expect(new Set(b.bases.map((s) => s.ids.slice(0, s.answerStart).join(','))).size).toBe(5);
    expect(interchangeBatch(lines, groups, cfg({ interchange: { weight: 1, rows: 32 } }), 3, 2)).toEqual(b);
    expect(interchangeBatch(lines, groups, cfg({ interchange: { weight: 1, rows: 32 } }), 4, 2)).not.toEqual(b);
    expect(() => interchangeBatch(lines, [], cfg({ interchange: { weight: 1 } }), 0, 2)).toThrow(/no two training lines share a template/);
  });

  it('with copy = p, puts a copy line\'s value into any question, which must answer the copied string', () => {
    // two copy lines (`X? X`: subject tokens = answer tokens), one of them after a context prefix
    const withCopies: Seq[] = [...lines, { ids: [1, 20, 21, 8, 20, 21, 2], answerStart: 4, answerEnd: 6, lang: 'en', subject: [1, 2] }, { ids: [1, 9, 8, 22, 8, 22, 2], answerStart: 5, answerEnd: 6, lang: 'en', subject: [3, 3] }];
    const pool = copyPool(withCopies);
    expect(pool.sources).toEqual([7, 8]);
    expect(pool.bases).toEqual([0, 1, 2, 3, 4, 5, 7, 8]);
    const c = cfg({ interchange: { weight: 1, rows: 64, copy: 0.5 } });
    const b = interchangeBatch(withCopies, interchangeGroups(withCopies), c, 1, 2, pool);
    const copied = b.sources.filter((s) => pool.sources.includes(withCopies.indexOf(s))).length;
    expect(copied).toBeGreaterThan(16);
    expect(copied).toBeLessThan(60);
    b.bases.forEach((base, r) => {
      const src = b.sources[r];
      expect(base.ids.slice(base.answerStart, base.answerEnd)).toEqual(src.ids.slice(src.answerStart, src.answerEnd));
      expect(base).not.toEqual(src);
    });
    // a base of its own template (line 5) only gets values from copy lines
    expect(b.bases.some((s) => s.ids[1] === 9 && s.ids[2] === 29)).toBe(true);
    expect(() => interchangeBatch(lines, interchangeGroups(lines), c, 1, 2, copyPool(lines))).toThrow(/interchange.copy: the training lines hold no copy line/);
    expect(() => checkObjectives(cfg({ interchange: { weight: 1, copy: 1.5 } }))).toThrow(/interchange.copy must be in \[0, 1\], got 1.5/);
  });

  it('with compose = q, replaces drawn copy sources by new strings joined from 2 or 3 copy lines, in the copy layout', () => {
    const copyLine = (x: number[], pre: number[] = [1]): Seq => ({ ids: [...pre, ...x, 8, ...x, 2], answerStart: pre.length + x.length + 1, answerEnd: pre.length + 2 * x.length + 1, lang: 'en', subject: [pre.length, pre.length + x.length - 1] });
    const strings = [[20, 21], [22], [23, 24, 25], Array.from({ length: 9 }, (_, k) => 30 + k)];
    const withCopies: Seq[] = [...lines, ...strings.map((x) => copyLine(x))];
    const pool = copyPool(withCopies);
    const c = cfg({ interchange: { weight: 1, rows: 64, copy: 1, compose: 0.5 } });
    const b = interchangeBatch(withCopies, interchangeGroups(withCopies), c, 1, 2, pool);
    const composed = b.sources.filter((s) => !withCopies.includes(s));
    expect(composed.length).toBeGreaterThan(16);
    expect(composed.length).toBeLessThan(48);
    // every join of 2 or 3 copy strings, cut to 16 tokens
    const joins = new Set<string>();
    for (const x of strings) for (const y of strings) {
      joins.add([...x, ...y].slice(0, 16).join(','));
      for (const z of strings) joins.add([...x, ...y, ...z].slice(0, 16).join(','));
    }
    for (const s of composed) {
      const x = s.ids.slice(s.subject![0], s.subject![1] + 1);
      // `<s> X? X </s>`, X the subject and the answer
      expect(s.ids).toEqual([1, ...x, 8, ...x, 2]);
      expect(s.ids.slice(s.answerStart, s.answerEnd)).toEqual(x);
      expect(joins.has(x.join(',')), `${x}`).toBe(true);
    }
    b.bases.forEach((base, r) => expect(base.ids.slice(base.answerStart, base.answerEnd)).toEqual(b.sources[r].ids.slice(b.sources[r].answerStart, b.sources[r].answerEnd)));
    expect(interchangeBatch(withCopies, interchangeGroups(withCopies), c, 1, 2, pool)).toEqual(b);
    expect(() => interchangeBatch(lines, interchangeGroups(lines), cfg({ interchange: { weight: 1, compose: 0.5 } }), 1, 2, copyPool(lines))).toThrow(/interchange.compose: the training lines hold no copy line/);
    expect(() => checkObjectives(cfg({ interchange: { weight: 1, compose: -0.1 } }))).toThrow(/interchange.compose must be in \[0, 1\], got -0.1/);
  });

  it('refuses out-of-range settings, naming the field', () => {
    expect(() => checkObjectives(cfg({ interchange: { weight: -1 } }))).toThrow(/interchange.weight must be a finite number >= 0, got -1/);
    expect(() => checkObjectives(cfg({ interchange: { weight: 1, rows: 0 } }))).toThrow(/interchange.rows must be an integer >= 1, got 0/);
    expect(() => checkObjectives(cfg({ interchange: { weight: 1, layer: 3 } }))).toThrow(/interchange.layer must be an integer in 0..2, got 3/);
    expect(() => checkObjectives(cfg({ interchange: { weight: 1, until: 2 } }))).toThrow(/interchange.until must be in \[0, 1\], got 2/);
    expect(() => checkObjectives(cfg({ keyDecorrelation: { weight: Number.NaN } }))).toThrow(/keyDecorrelation.weight must be a finite number >= 0, got NaN/);
    expect(() => checkObjectives(cfg({ keyDecorrelation: { weight: 1, layer: -1 } }))).toThrow(/keyDecorrelation.layer must be an integer in 0..2, got -1/);
    expect(() => checkObjectives(cfg({ interchange: { weight: 0.5, rows: 4, layer: 2, until: 0.5 }, keyDecorrelation: { weight: 1, layer: 0 } }))).not.toThrow();
  });
});

/**
 * The interchange loss by another route: each line's residual stream after layer `layer` (a forward
 * stopped there), the source's and the base's MLP outputs there from the `mlp` block hook (not
 * `mlp.down`), the base's stream moved by their difference at its subject's last token in plain
 * float64, and the rest of the network resumed from it with `startAt`.
 */
async function viaStartAt(m: LlamaModel, b: InterchangeBatch, layer: number): Promise<number> {
  const mlpOut = async (s: Seq, pos: number) => {
    let out: Tensor | null = null;
    const ids = tensor(s.ids.slice(0, -1), [1, s.ids.length - 1], { dtype: 'i32', backend });
    const hidden = m.forward(ids, { stopAfterLayer: layer, hooks: [captureHook({ kind: 'mlp', layer }, 'output', (x) => (out = x))] }).hidden;
    const d = model.hiddenSize;
    return { value: Array.from(await out!.data()).slice(pos * d, pos * d + d), hidden: Array.from(await hidden.data()) };
  };
  let num = 0;
  let den = 0;
  for (let r = 0; r < b.bases.length; r++) {
    const src = await mlpOut(b.sources[r], b.sourcePos[r]);
    const base = b.bases[r];
    const own = await mlpOut(base, b.basePos[r]);
    const d = model.hiddenSize;
    const h = [...own.hidden];
    for (let i = 0; i < d; i++) h[b.basePos[r] * d + i] += src.value[i] - own.value[i];
    const S = base.ids.length - 1;
    const ids = tensor(base.ids.slice(0, -1), [1, S], { dtype: 'i32', backend });
    const logits = await m.forward(ids, { startAt: { layer: layer + 1, hidden: tensor(h, [1, S, d], { backend }) } }).logits!.data();
    const V = model.vocabSize;
    for (let j = base.answerStart - 1; j < S; j++) {
      const row = Array.from(logits.slice(j * V, j * V + V));
      const mx = Math.max(...row);
      const lse = mx + Math.log(row.reduce((s, x) => s + Math.exp(x - mx), 0));
      num += lse - row[base.ids[j + 1]];
      den += 1;
    }
  }
  return num / den;
}

describe('interchangeLoss', () => {
  const groups = interchangeGroups(lines);
  const batch = interchangeBatch(lines, groups, cfg({ interchange: { weight: 1, rows: 5 } }), 0, 2);

  it("is the base's answer loss with the source's MLP output at the subject's last token (startAt reference)", async () => {
    const m = fresh();
    for (const layer of [0, 1]) {
      const got = await interchangeLoss(m, batch, layer, 3, () => null, []).item();
      expect(got).toBeCloseTo(await viaStartAt(m, batch, layer), 10);
    }
    // a base paired with itself is its own answer loss (prompt weight 0)
    const self: InterchangeBatch = { sources: [lines[0]], bases: [lines[0]], sourcePos: [3], basePos: [3] };
    const c = collate([lines[0]], 3, 0);
    const plain = crossEntropy(m.forward(tensor(c.inputs, [1, c.cols], { dtype: 'i32', backend })).logits!, tensor(c.targets, [1, c.cols], { dtype: 'i32', backend }), tensor(c.mask, [1, c.cols], { backend }));
    expect(await interchangeLoss(m, self, 1, 3, () => null, []).item()).toBeCloseTo(await plain.item(), 12);
  });

  it('has the gradient of its value in the weights of both passes (central finite differences)', async () => {
    const m = fresh();
    const refs = [{ kind: 'mlp.down', layer: 1 } as const, { kind: 'attn.q', layer: 0 } as const, { kind: 'mlp.up', layer: 2 } as const];
    const { grads } = valueAndGrads(() => interchangeLoss(m, batch, 1, 3, () => null, []), refs.map((r) => m.weight(r)));
    for (const [k, ref] of refs.entries()) {
      const g = await grads[k].data();
      const w = Array.from(await m.weight(ref).data());
      const shape = m.weight(ref).shape;
      for (const i of [0, 17, 101]) {
        const at = async (dx: number) => {
          const v = [...w];
          v[i] += dx;
          m.setWeight(ref, tensor(v, shape, { backend }));
          const l = await interchangeLoss(m, batch, 1, 3, () => null, []).item();
          m.setWeight(ref, tensor(w, shape, { backend }));
          return l;
        };
        const h = 1e-5;
        expect(g[i]).toBeCloseTo(((await at(h)) - (await at(-h))) / (2 * h), 6);
      }
    }
  });
});

describe('keyDecorrelationPenalty', () => {
  const [N, M] = [6, 4];
  const data = Array.from({ length: N * M }, (_, i) => Math.cos(i * 0.9) + 0.3);
  /** ‖K̂ᵀK̂/N‖²_F in plain float64. */
  function reference(x: number[]): number {
    const unit = Array.from({ length: N }, (_, r) => {
      const row = x.slice(r * M, r * M + M);
      const n = Math.hypot(...row) + 1e-6;
      return row.map((v) => v / n);
    });
    let s = 0;
    for (let a = 0; a < M; a++)
      for (let b = 0; b < M; b++) {
        let g = 0;
        for (let r = 0; r < N; r++) g += unit[r][a] * unit[r][b];
        s += (g / N) ** 2;
      }
    return s;
  }

  it('is the mean squared cosine of its rows: its definition, 1 for parallel rows, and its finite-difference gradient', async () => {
    expect(await keyDecorrelationPenalty(tensor(data, [N, M], { backend })).item()).toBeCloseTo(reference(data), 12);
    const parallel = Array.from({ length: N * M }, (_, i) => (i % M) + 1);
    expect(await keyDecorrelationPenalty(tensor(parallel, [N, M], { backend })).item()).toBeCloseTo(1, 5);
    const x = tensor(data, [N, M], { backend });
    const { grads } = valueAndGrads(() => keyDecorrelationPenalty(x), [x]);
    const g = await grads[0].data();
    for (const i of [0, 5, 13, 23]) {
      const up = [...data];
      const dn = [...data];
      up[i] += 1e-6;
      dn[i] -= 1e-6;
      expect(g[i]).toBeCloseTo((reference(up) - reference(dn)) / 2e-6, 7);
    }
  });

  it('reads only the real input positions of each line (realTokens)', () => {
    expect(realTokens([lines[6], lines[0]])).toEqual({ rows: [0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1], positions: [0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6] });
  });
});

describe('Trainer with interchange and keyDecorrelation', () => {
  it("adds weight × each term to the step's loss", async () => {
    const plain = await new Trainer(fresh(), cfg(), lines, 3).step();
    const ic = cfg({ interchange: { weight: 0.5, rows: 4, layer: 1 } });
    const withIc = await new Trainer(fresh(), ic, lines, 3).step();
    const pairs = interchangeBatch(lines, interchangeGroups(lines), ic, 0, 2);
    expect(withIc.loss).toBeCloseTo(plain.loss + 0.5 * (await interchangeLoss(fresh(), pairs, 1, 3, () => null, []).item()), 10);

    const kd = cfg({ keyDecorrelation: { weight: 2, layer: 0 } });
    const t = new Trainer(fresh(), kd, lines, 3);
    const batch = t.schedule.batch(0).map((i) => lines[i]);
    const c = collate(batch, 3, 1);
    // the keys by hand: the mlp.down input of layer 0, every real position of every line
    let keys: Tensor | null = null;
    fresh().forward(tensor(c.inputs, [c.rows, c.cols], { dtype: 'i32', backend }), { hooks: [captureHook({ kind: 'mlp.down', layer: 0 }, 'input', (x) => (keys = x))] });
    const all = Array.from(await keys!.data());
    const M = model.intermediateSize;
    const real = batch.flatMap((s, r) => Array.from({ length: s.ids.length - 1 }, (_, j) => all.slice((r * c.cols + j) * M, (r * c.cols + j) * M + M)));
    const pen = await keyDecorrelationPenalty(tensor(real.flat(), [real.length, M], { backend })).item();
    expect(pen).toBeGreaterThan(0);
    expect((await t.step()).loss).toBeCloseTo(plain.loss + 2 * pen, 10);
    // past `until` the interchange term is off
    const late = new Trainer(fresh(), cfg({ interchange: { weight: 0.5, rows: 4, until: 0 } }), lines, 3);
    expect((await late.step()).loss).toBeCloseTo(plain.loss, 12);
  });
});
