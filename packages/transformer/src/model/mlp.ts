/** The SiLU-gated feed-forward block with its hook points. */
import { swiglu, type Tensor } from '@crossedit/core';
import { linear } from './attention.js';
import type { HookTable } from './hook-table.js';

/** The weights of one MLP block, PyTorch `[out, in]`: gate/up `[M, D]`, down `[D, M]`. */
export interface MlpWeights {
  gate: Tensor;
  up: Tensor;
  down: Tensor;
}

/**
 * `down(silu(gate(x)) * up(x))` on the normed hidden state (the activation is the fused `swiglu` kernel), running the `mlp.gate`, `mlp.up` and
 * `mlp.down` hooks (inputs, then outputs) of `layer`. The `mlp` hooks are run by the caller.
 */
export function gatedMlp(x: Tensor, w: MlpWeights, layer: number, hooks: HookTable): Tensor {
  const gIn = hooks.run({ kind: 'mlp.gate', layer }, 'input', x);
  const gate = hooks.run({ kind: 'mlp.gate', layer }, 'output', linear(gIn, w.gate));
  const uIn = hooks.run({ kind: 'mlp.up', layer }, 'input', x);
  const up = hooks.run({ kind: 'mlp.up', layer }, 'output', linear(uIn, w.up));
  const key = hooks.run({ kind: 'mlp.down', layer }, 'input', swiglu(gate, up));
  return hooks.run({ kind: 'mlp.down', layer }, 'output', linear(key, w.down));
}
