/** Neuron selection by an adaptive threshold (the reference's "coarse neurons" with refine off). */

/** A neuron: a layer and a column of that layer's `mlp.down` weight. */
export interface Neuron {
  layer: number;
  index: number;
  score: number;
}

/** All neurons scoring above `threshold × max score` (over every layer), highest first. */
export function selectNeurons(scores: readonly Float64Array[], layers: readonly number[], threshold: number): Neuron[] {
  let max = -Infinity;
  for (const row of scores) for (const v of row) if (v > max) max = v;
  const out: Neuron[] = [];
  scores.forEach((row, li) => row.forEach((v, index) => v > threshold * max && out.push({ layer: layers[li], index, score: v })));
  return out.sort((a, b) => b.score - a.score);
}
