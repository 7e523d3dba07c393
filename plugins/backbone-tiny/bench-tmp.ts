import { setBackend, tensor, valueAndGrads, crossEntropy, tidy, Adam, type ModelConfig } from '@crossedit/core';
import { createCpuBackend } from '@crossedit/cpu';
import { LlamaModel, randomWeights } from '@crossedit/transformer';
const be = createCpuBackend();
setBackend(be);
const D = Number(process.argv[2] ?? 256), L = Number(process.argv[3] ?? 4), V = 6144, B = Number(process.argv[4] ?? 8), S = 32;
const cfg: ModelConfig = { vocabSize: V, hiddenSize: D, intermediateSize: Math.round(D * 2.6875), numLayers: L, numHeads: 4, numKvHeads: 4, rmsNormEps: 1e-5, ropeBase: 10000, maxPositions: 128, tieEmbeddings: true };
const model = new LlamaModel(cfg, randomWeights(cfg, { seed: 1 }));
const names = [...model.weights().keys()];
const ids = tensor(Array.from({ length: B * S }, (_, i) => (i * 7919) % V), [B, S], { dtype: 'i32' });
const tg = tensor(Array.from({ length: B * S }, (_, i) => (i * 104729) % V), [B, S], { dtype: 'i32' });
for (let it = 0; it < 3; it++) {
  const t0 = performance.now();
  const ws = names.map((n) => model.weights().get(n)!);
  const { value, grads } = valueAndGrads(() => crossEntropy(model.forward(ids).logits!, tg), ws);
  const t1 = performance.now();
  console.log('loss', await value.item(), 'fwd+bwd ms', (t1 - t0).toFixed(0), 'tokens/s', ((B * S) / ((t1 - t0) / 1000)).toFixed(0));
  value.dispose(); grads.forEach((g) => g.dispose());
}
