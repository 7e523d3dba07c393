import { describe, expect, it } from 'vitest';
import { crossEntropy, tensor, valueAndGrads, type ModelConfig } from '@crossedit/core';
import { createCpuBackend } from '@crossedit/cpu';
import { LlamaModel } from '@crossedit/transformer';
import type { TrainConfig } from './config.js';
import { PLAIN } from '../testing/config.js';
import { collate, type Seq } from './data.js';
import { initWeights } from './init.js';
import { Trainer, bottleneckBias, smoothedCrossEntropy } from './trainer.js';

describe('smoothedCrossEntropy', () => {
  const backend = createCpuBackend(); // float64
  const [B, T, V] = [2, 3, 5];
  const logitsData = Array.from({ length: B * T * V }, (_, i) => Math.sin(i * 1.7) * 3);
  const tgData = [0, 4, 2, 1, 3, 3];
  const maskData = [1, 0.25, 1, 1, 1, 0];

  /** The definition, in plain float64: sum_t m_t [(1-eps) nll_t + eps (-mean_v log p_tv)] / sum_t m_t. */
  function reference(logits: number[], eps: number): number {
    let num = 0;
    let den = 0;
    for (let r = 0; r < B * T; r++) {
      const row = logits.slice(r * V, r * V + V);
      const mx = Math.max(...row);
      const lse = mx + Math.log(row.reduce((s, x) => s + Math.exp(x - mx), 0));
      const logp = row.map((x) => x - lse);
      const per = (1 - eps) * -logp[tgData[r]] + eps * -(logp.reduce((s, x) => s + x, 0) / V);
      num += maskData[r] * per;
      den += maskData[r];
    }
    return num / den;
  }
  const loss = (logits: number[], eps: number) => {
    const l = tensor(logits, [B, T, V], { backend });
    return smoothedCrossEntropy(l, tensor(tgData, [B, T], { dtype: 'i32', backend }), tensor(maskData, [B, T], { backend }), eps);
  };

  it('is the cross-entropy against (1 - eps) onehot + eps uniform, and core crossEntropy at eps = 0', async () => {
    expect(await loss(logitsData, 0.1).item()).toBeCloseTo(reference(logitsData, 0.1), 12);
    const plain = crossEntropy(tensor(logitsData, [B, T, V], { backend }), tensor(tgData, [B, T], { dtype: 'i32', backend }), tensor(maskData, [B, T], { backend }));
    expect(await loss(logitsData, 0).item()).toBeCloseTo(await plain.item(), 12);
    expect(await loss(logitsData, 0).item()).toBeCloseTo(reference(logitsData, 0), 12);
    expect(() => loss(logitsData, 1)).toThrow(/labelSmoothing must be in \[0, 1\), got 1/);
  });

  it('has the gradient of its definition (central finite differences)', async () => {
    const l = tensor(logitsData, [B, T, V], { backend });
    const { grads } = valueAndGrads(() => smoothedCrossEntropy(l, tensor(tgData, [B, T], { dtype: 'i32', backend }), tensor(maskData, [B, T], { backend }), 0.2), [l]);
    const g = await grads[0].data();
    const h = 1e-6;
    for (const i of [0, 7, 12, 19, 29]) {
      const up = [...logitsData];
      const dn = [...logitsData];
      up[i] += h;
      dn[i] -= h;
      expect(g[i]).toBeCloseTo((reference(up, 0.2) - reference(dn, 0.2)) / (2 * h), 7);
    }
    // the last row is masked out: no gradient
    for (let v = 0; v < V; v++) expect(g[25 + v]).toBe(0);
  });
});

describe('Trainer with subjectBottleneck', () => {
  const backend = createCpuBackend(); // float64
  const model: ModelConfig = { ...PLAIN.model, vocabSize: 40, hiddenSize: 16, intermediateSize: 24, numHeads: 2, numKvHeads: 2, numLayers: 2, maxPositions: 32 };
  // four lines (BOS ... EOS); lines 0 and 2 hold a subject span
  const lines: Seq[] = [
    { ids: [1, 5, 6, 7, 8, 9, 10, 2], answerStart: 6, answerEnd: 7, lang: 'en', subject: [2, 4] },
    { ids: [1, 11, 12, 13, 2], answerStart: 3, answerEnd: 4, lang: 'en' },
    { ids: [1, 14, 15, 16, 17, 18, 2], answerStart: 5, answerEnd: 6, lang: 'en', subject: [1, 3] },
    { ids: [1, 19, 20, 21, 22, 2], answerStart: 4, answerEnd: 5, lang: 'en' },
  ];
  const cfg = (bn?: TrainConfig['subjectBottleneck']): TrainConfig => ({ ...PLAIN, model, seed: 7, steps: 4, batchSize: 4, warmupSteps: 1, ...(bn ? { subjectBottleneck: bn } : {}) });
  const fresh = () => new LlamaModel(model, initWeights(model, 3, backend));

  /** The step-0 loss computed here, from the spec: the batch's lines, the additive bias built by hand, per layer. */
  async function handLoss(c: TrainConfig, gatedLayers: number): Promise<number> {
    const m = fresh();
    const t = new Trainer(m, c, lines, 3);
    const batch = t.schedule.batch(0).map((i) => lines[i]);
    const col = collate(batch, 3, c.promptLossWeight ?? 1);
    const S = col.cols;
    const mk = (gated: boolean) => {
      const v = new Float64Array(batch.length * S * S);
      batch.forEach((s, r) => {
        if (!s.subject) return;
        const [f, l] = s.subject;
        for (let i = l + 1; i < S; i++) for (let j = f; j < (gated ? l + 1 : l); j++) v[(r * S + i) * S + j] = -1e9;
      });
      return tensor(v, [batch.length, 1, S, S], { backend });
    };
    const bias = Array.from({ length: model.numLayers }, (_, l) => mk(l < gatedLayers));
    const ids = tensor(col.inputs, [col.rows, S], { dtype: 'i32', backend });
    const logits = m.forward(ids, { attentionBias: bias }).logits!;
    return crossEntropy(logits, tensor(col.targets, [col.rows, S], { dtype: 'i32', backend }), tensor(col.mask, [col.rows, S], { backend })).item();
  }

  it('trains on the masked forward the config describes (plain, gated), and on the plain one after `until`', async () => {
    const plain = await new Trainer(fresh(), cfg(), lines, 3).step();
    const masked = await new Trainer(fresh(), cfg({}), lines, 3).step();
    const gated = await new Trainer(fresh(), cfg({ layer: 0 }), lines, 3).step();
    expect(masked.loss).toBeCloseTo(await handLoss(cfg({}), 0), 12);
    expect(gated.loss).toBeCloseTo(await handLoss(cfg({ layer: 0 }), 1), 12);
    expect(Math.abs(masked.loss - plain.loss)).toBeGreaterThan(1e-6);
    expect(Math.abs(gated.loss - masked.loss)).toBeGreaterThan(1e-6);
    // until 0.5 of 4 steps: steps 0 and 1 masked, 2 and 3 plain
    expect(bottleneckBias(lines, 8, cfg({ until: 0.5 }), 1)).not.toBeNull();
    expect(bottleneckBias(lines, 8, cfg({ until: 0.5 }), 2)).toBeNull();
    expect(bottleneckBias(lines.slice(1, 2), 8, cfg({}), 0)).toBeNull(); // no subject, nothing to mask
  });

  it('draws the masked lines from the seed and the step only, and refuses values out of range', () => {
    const many = Array.from({ length: 64 }, () => lines[0]);
    const a = bottleneckBias(many, 8, cfg({ probability: 0.5 }), 3)!;
    const b = bottleneckBias(many, 8, cfg({ probability: 0.5 }), 3)!;
    expect(Array.from(a.all)).toEqual(Array.from(b.all));
    const masked = Array.from({ length: 64 }, (_, r) => a.all[(r * 8 + 5) * 8 + 2] !== 0).filter(Boolean).length;
    expect(masked).toBeGreaterThan(16);
    expect(masked).toBeLessThan(48);
    expect(Array.from(bottleneckBias(many, 8, cfg({ probability: 0.5 }), 2)!.all)).not.toEqual(Array.from(a.all));
    expect(() => bottleneckBias(many, 8, cfg({ probability: 2 }), 0)).toThrow(/subjectBottleneck.probability must be in \[0, 1\], got 2/);
    expect(() => bottleneckBias(many, 8, cfg({ layer: 5 }), 0)).toThrow(/subjectBottleneck.layer must be an integer in -1..1, got 5/);
    expect(() => bottleneckBias(many, 8, cfg({ until: -1 }), 0)).toThrow(/subjectBottleneck.until must be in \[0, 1\], got -1/);
  });
});
