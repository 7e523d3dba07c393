/** The trainable weights of a LLaMA model, as typed references in a fixed order. */
import { weightName, type ModelConfig, type WeightRef } from '@crossedit/core';

/**
 * Every distinct weight of the network, embeddings first, then layer by layer, then the final norm and
 * (untied) LM head. With tied embeddings the head is the embedding matrix and is listed once.
 */
export function trainableRefs(config: ModelConfig): WeightRef[] {
  const refs: WeightRef[] = [{ kind: 'embed' }];
  const kinds = ['attn.q', 'attn.k', 'attn.v', 'attn.o', 'mlp.gate', 'mlp.up', 'mlp.down', 'norm.attn', 'norm.mlp'] as const;
  for (let layer = 0; layer < config.numLayers; layer++) for (const kind of kinds) refs.push({ kind, layer });
  refs.push({ kind: 'norm.final' });
  if (!config.tieEmbeddings) refs.push({ kind: 'lmHead' });
  return refs;
}

/** Canonical names of {@link trainableRefs}. */
export function trainableNames(config: ModelConfig): string[] {
  return trainableRefs(config).map(weightName);
}
