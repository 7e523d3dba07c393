/**
 * The model contract methods program against: typed module addresses, hook points, weight access.
 * The network itself lives in `@crossedit/transformer`; methods never see a model name.
 */
import type { Backend } from './backend.js';
import type { Tensor } from './tensor.js';

/** Architecture facts of a decoder-only LLaMA-family model. */
export interface ModelConfig {
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  /** Key/value heads (grouped-query attention); equals numHeads for multi-head attention. */
  numKvHeads: number;
  rmsNormEps: number;
  ropeBase: number;
  maxPositions: number;
  /** LM head shares the embedding matrix. */
  tieEmbeddings?: boolean;
  /** Baichuan2's NormHead: lm_head rows are L2-normalised at run time. */
  normHead?: boolean;
}

/**
 * A typed address of a module in the network. Inputs and outputs:
 * - `embed`: output = token embeddings `[B, S, D]`;
 * - `layer`: output = residual stream after decoder layer `layer` `[B, S, D]`; input = before it;
 * - `attn`: output = attention output after `o_proj` `[B, S, D]`; input = the normed hidden state;
 * - `mlp`: output = MLP output `[B, S, D]`; input = the normed hidden state;
 * - `mlp.gate`: output = gate_proj output, pre-SiLU `[B, S, M]` (KN's neurons); input = normed hidden;
 * - `mlp.up`: output = up_proj output `[B, S, M]`; input = normed hidden;
 * - `mlp.down`: input = the key `silu(gate) * up` `[B, S, M]`; output = the MLP output `[B, S, D]`;
 * - `final`: output = the final-norm output `[B, S, D]`; input = the last residual stream;
 * - `logits`: output = `[B, S, V]`.
 */
export type ModuleRef =
  | { kind: 'embed' }
  | { kind: 'layer'; layer: number }
  | { kind: 'attn'; layer: number }
  | { kind: 'mlp'; layer: number }
  | { kind: 'mlp.gate'; layer: number }
  | { kind: 'mlp.up'; layer: number }
  | { kind: 'mlp.down'; layer: number }
  | { kind: 'final' }
  | { kind: 'logits' };

/**
 * A typed address of a weight matrix, in PyTorch's `[out, in]` layout:
 * `mlp.gate`/`mlp.up`: `[M, D]`; `mlp.down`: `[D, M]`; `attn.q|k|v|o`; `embed`: `[V, D]`; `lmHead`: `[V, D]`;
 * norms are vectors.
 */
export type WeightRef =
  | { kind: 'mlp.gate' | 'mlp.up' | 'mlp.down' | 'attn.q' | 'attn.k' | 'attn.v' | 'attn.o' | 'norm.attn' | 'norm.mlp'; layer: number }
  | { kind: 'embed' | 'lmHead' | 'norm.final' };

/** A hook: called with a module's input or output; may return a replacement of the same shape. */
export interface Hook {
  ref: ModuleRef;
  /** Default `'output'`. */
  io?: 'input' | 'output';
  fn: (x: Tensor) => Tensor | void;
}

/** Options of {@link LanguageModel.forward}. */
export interface ForwardOptions {
  /** `[B, S]` f32: 1 for real tokens, 0 for padding (default all ones). */
  attentionMask?: Tensor;
  /** `[B, S]` i32 positions (default: from the mask, counting real tokens from 0). */
  positions?: Tensor;
  hooks?: readonly Hook[];
  /** Stop after this decoder layer; `logits` is then absent. */
  stopAfterLayer?: number;
  /** Key/value cache for incremental decoding. */
  cache?: KVCache;
  /**
   * `[N]` i32 flat row indices into `B·S` (row-major): compute the final norm and LM head only at these
   * positions, and return `logits` as `[N, V]` (the `final` and `logits` hooks then see `[N, ·]`). A loss
   * that reads a few positions (ROME's v*, MEMIT's z) gets the same values as gathering those rows of
   * the full `[B, S, V]` logits, without the head's cost at every position. Optional for implementers:
   * a model that ignores it must not be given it (see {@link LanguageModel.supportsLogitsAt}).
   */
  logitsAt?: Tensor;
  /**
   * Resume the pass at decoder layer `layer` (0 … numLayers) from `hidden: [B, S, D]`, the residual
   * stream that layer `layer - 1` output (the embedding for 0): the embedding and the layers before are
   * skipped, hooks there included; `ids` still give B and S, the mask and positions work as usual. A
   * loss that changes the stream at one layer only (ROME's v*, MEMIT's z, from their second step on)
   * then runs the layers after it alone. Not with a cache. Optional for implementers: a model that
   * ignores it must not be given it (see {@link LanguageModel.supportsStartAt}).
   */
  startAt?: { layer: number; hidden: Tensor };
  /**
   * A filled cache (from `createCache` and a forward that was given it) whose tokens precede `ids` in
   * every row: the pass attends to the cached keys/values and the new tokens' own, as with `cache`,
   * but leaves the cache as it is, so many passes (each step of an optimisation that changes only the
   * later tokens) share one prefix computed once. The new tokens' positions continue each row's real
   * cached tokens; `logitsAt`, `hooks` and `startAt` address the new tokens only (`[B, S]`). Not with
   * `cache`. A prefix of one row serves a batch of any size (every row continues the same head, e.g. one
   * shared few-shot context); else its rows are the batch's. The cached tensors are constants: no
   * gradient flows into them. Optional for implementers:
   * a model that ignores it must not be given it (see {@link LanguageModel.supportsPrefix}).
   */
  prefix?: KVCache;
  /**
   * Extra additive attention scores `[B, 1, S, S]` (f32), added to the causal (and padding) bias: a large
   * negative entry (e.g. -1e9) at `[b, 0, i, j]` keeps query `i` of row `b` from key `j`. One tensor for
   * every layer, or one per layer (`null`: none at that layer). For training-time masks such as
   * backbone-tiny's subject bottleneck; not with `cache` or `prefix`. Optional for implementers: a model
   * that ignores it must not be given it (see {@link LanguageModel.supportsAttentionBias}).
   */
  attentionBias?: Tensor | readonly (Tensor | null)[];
}

/** Result of a forward pass. */
export interface ForwardResult {
  /** `[B, S, V]` (`[N, V]` with `logitsAt`), absent when stopped early. */
  logits?: Tensor;
  /** The last computed residual stream `[B, S, D]`. */
  hidden: Tensor;
}

/** An opaque key/value cache created by the model. */
export interface KVCache {
  /** Tokens already cached per row. */
  readonly length: number;
  dispose(): void;
}

/** A loaded language model. */
export interface LanguageModel {
  readonly config: ModelConfig;
  readonly backend: Backend;
  /** Forward pass on `ids: [B, S]` (i32). */
  forward(ids: Tensor, opts?: ForwardOptions): ForwardResult;
  /**
   * Asynchronous work a model needs before `forward(ids, opts)` on this very `ids` tensor (absent: none).
   * A wrapper whose forward pass depends on host-side work — SERAC with a BERT scope classifier decodes
   * the rows and tokenizes them with WordPiece, which is asynchronous — does it here, so `forward` stays
   * synchronous. Callers that build their own batches (the evaluator) await it before each forward pass.
   */
  prepare?(ids: Tensor, opts?: ForwardOptions): Promise<void>;
  /** True when `forward` honours {@link ForwardOptions.logitsAt} (absent: it does not). */
  readonly supportsLogitsAt?: boolean;
  /** True when `forward` honours {@link ForwardOptions.startAt} (absent: it does not). */
  readonly supportsStartAt?: boolean;
  /** True when `forward` honours {@link ForwardOptions.prefix} (absent: it does not). */
  readonly supportsPrefix?: boolean;
  /** True when `forward` honours {@link ForwardOptions.attentionBias} (absent: it does not). */
  readonly supportsAttentionBias?: boolean;
  /** A new empty KV cache for `batch` rows. */
  createCache(batch: number): KVCache;
  /** The weight at an address. */
  weight(ref: WeightRef): Tensor;
  /** Replaces a weight; returns the previous tensor (ownership passes to the caller). */
  setWeight(ref: WeightRef, value: Tensor): Tensor;
  /** Every weight by its canonical (HF LLaMA) name, e.g. `model.layers.5.mlp.down_proj.weight`. */
  weights(): ReadonlyMap<string, Tensor>;
  /** Releases the weights. */
  dispose(): void;
}

/** Canonical HF-LLaMA parameter name of a weight reference. */
export function weightName(ref: WeightRef): string {
  switch (ref.kind) {
    case 'embed':
      return 'model.embed_tokens.weight';
    case 'lmHead':
      return 'lm_head.weight';
    case 'norm.final':
      return 'model.norm.weight';
    case 'norm.attn':
      return `model.layers.${ref.layer}.input_layernorm.weight`;
    case 'norm.mlp':
      return `model.layers.${ref.layer}.post_attention_layernorm.weight`;
    case 'mlp.gate':
      return `model.layers.${ref.layer}.mlp.gate_proj.weight`;
    case 'mlp.up':
      return `model.layers.${ref.layer}.mlp.up_proj.weight`;
    case 'mlp.down':
      return `model.layers.${ref.layer}.mlp.down_proj.weight`;
    case 'attn.q':
      return `model.layers.${ref.layer}.self_attn.q_proj.weight`;
    case 'attn.k':
      return `model.layers.${ref.layer}.self_attn.k_proj.weight`;
    case 'attn.v':
      return `model.layers.${ref.layer}.self_attn.v_proj.weight`;
    case 'attn.o':
      return `model.layers.${ref.layer}.self_attn.o_proj.weight`;
  }
}
