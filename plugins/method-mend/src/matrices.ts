/** The matrices MEND edits and the gradient networks they share (one per weight shape). */
import type { ModelConfig, WeightRef } from '@crossedit/core';

/** An edited MLP matrix. */
export interface EditedMatrix {
  ref: Extract<WeightRef, { layer: number }> & { kind: 'mlp.gate' | 'mlp.up' | 'mlp.down' };
  /** Input width (columns of W). */
  inDim: number;
  /** Output width (rows of W). */
  outDim: number;
  /** Index of the shared network of its shape. */
  net: number;
  /** Mode index within that network. */
  mode: number;
}

/** The kinds MEND edits by default (the reference: gate, up and down of the last three layers). */
export const MLP_KINDS = ['mlp.gate', 'mlp.up', 'mlp.down'] as const;

/** The last `n` layers of a model of `numLayers` (the reference edits 29, 30, 31 of 32). */
export function lastLayers(numLayers: number, n = 3): number[] {
  const k = Math.min(n, numLayers);
  return Array.from({ length: k }, (_, i) => numLayers - k + i);
}

/**
 * The edited matrices in a fixed order (layer-major, then gate, up, down), each assigned to the network of
 * its `(in, out)` shape with a mode index.
 */
export function editedMatrices(config: ModelConfig, layers: readonly number[], kinds: readonly string[] = MLP_KINDS): { matrices: EditedMatrix[]; nets: { inDim: number; outDim: number; modes: number }[] } {
  const nets: { inDim: number; outDim: number; modes: number }[] = [];
  const matrices: EditedMatrix[] = [];
  for (const layer of layers) {
    if (!Number.isInteger(layer) || layer < 0 || layer >= config.numLayers) throw new RangeError(`mend: layer ${layer} is outside the model's ${config.numLayers} layers`);
    for (const kind of kinds) {
      if (!(MLP_KINDS as readonly string[]).includes(kind)) throw new RangeError(`mend: cannot edit '${kind}' (one of ${MLP_KINDS.join(', ')})`);
      const down = kind === 'mlp.down';
      const inDim = down ? config.intermediateSize : config.hiddenSize;
      const outDim = down ? config.hiddenSize : config.intermediateSize;
      let net = nets.findIndex((n) => n.inDim === inDim && n.outDim === outDim);
      if (net < 0) net = nets.push({ inDim, outDim, modes: 0 }) - 1;
      matrices.push({ ref: { kind: kind as EditedMatrix['ref']['kind'], layer }, inDim, outDim, net, mode: nets[net].modes++ });
    }
  }
  return { matrices, nets };
}
