import { describe, expect, it } from 'vitest';
import { crossEntropy, tensor, valueAndGrads } from '@crossedit/core';
import { createCpuBackend } from '@crossedit/cpu';
import { smoothedCrossEntropy } from './trainer.js';

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
