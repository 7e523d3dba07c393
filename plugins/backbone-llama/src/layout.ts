/** How a checkpoint's tensors map onto the canonical HF-LLaMA weights the network uses. */
import type { ModelConfig, Shape } from '@crossedit/core';
import { expectedWeightShapes, headDim } from '@crossedit/transformer';

/** A canonical weight cut from a checkpoint tensor: `rows` consecutive rows (dim 0), in order. */
export interface WeightPart {
  /** Canonical HF-LLaMA name (`model.layers.3.self_attn.k_proj.weight`). */
  readonly name: string;
  /** Rows taken along dim 0. */
  readonly rows: number;
}

/** One tensor as stored in a checkpoint and the canonical weights it becomes. */
export interface FileTensor {
  /** The tensor's name in the checkpoint. */
  readonly name: string;
  /** Its stored shape (PyTorch order). */
  readonly shape: Shape;
  /** The canonical weights it is split into along dim 0, in order; a single part is a rename. */
  readonly parts: readonly WeightPart[];
}

/**
 * A backbone's checkpoint layout: which tensors a checkpoint of a given config holds, the canonical weights
 * each becomes (renames, row splits of fused tensors), which stored tensors are not weights, and the
 * run-time quirks the layout implies (Baichuan2's `normHead`).
 *
 * @example
 * ```ts
 * const t = LLAMA_LAYOUT.tensors(cfg).find((t) => t.name.endsWith('0.mlp.down_proj.weight'));
 * t.parts; // [{ name: 'model.layers.0.mlp.down_proj.weight', rows: cfg.hiddenSize }]
 * ```
 */
export interface WeightLayout {
  /** Names the layout in messages. */
  readonly id: string;
  /** Every tensor a checkpoint of this config holds (besides ignored ones), in a stable order. */
  tensors(config: ModelConfig): FileTensor[];
  /** Stored tensors that are not weights and are skipped (e.g. `rotary_emb.inv_freq` buffers). */
  readonly ignore: readonly RegExp[];
  /** Config fields this layout implies whatever the config file says (e.g. `{ normHead: true }`). */
  readonly quirks?: Partial<ModelConfig>;
}

/** HF buffers that old `transformers` versions saved into LLaMA-family checkpoints. */
export const ROTARY_BUFFERS: RegExp = /(^|\.)rotary_emb\.inv_freq$/;

/**
 * The plain HF LLaMA / LLaMA-2 layout: one stored tensor per canonical weight, same names; `rotary_emb.inv_freq`
 * buffers are ignored.
 */
export const LLAMA_LAYOUT: WeightLayout = {
  id: 'llama',
  tensors(config) {
    return [...expectedWeightShapes(config)].map(([name, shape]) => ({ name, shape, parts: [{ name, rows: shape[0] }] }));
  },
  ignore: [ROTARY_BUFFERS],
};

/** Options of {@link fusedQkvLayout}. */
export interface FusedQkvOptions {
  /** The new layout's id. */
  id: string;
  /** The fused tensor's stored name for a layer (default Baichuan's `model.layers.{i}.self_attn.W_pack.weight`). */
  name?: (layer: number) => string;
  /** The layout whose per-layer q/k/v tensors are fused (default {@link LLAMA_LAYOUT}). */
  base?: WeightLayout;
  /** Quirks of the new layout (added to the base's). */
  quirks?: Partial<ModelConfig>;
}

/**
 * A layout whose per-layer q, k and v projections are stored as one `[d + 2·kv, d]` tensor, rows in that order
 * (Baichuan's `W_pack`), split back into `q_proj`, `k_proj`, `v_proj` when loaded.
 *
 * @example
 * ```ts
 * const BAICHUAN = fusedQkvLayout({ id: 'baichuan' }); // model.layers.{i}.self_attn.W_pack.weight
 * ```
 */
export function fusedQkvLayout(opts: FusedQkvOptions): WeightLayout {
  const base = opts.base ?? LLAMA_LAYOUT;
  const fusedName = opts.name ?? ((i: number) => `model.layers.${i}.self_attn.W_pack.weight`);
  return {
    id: opts.id,
    ignore: base.ignore,
    quirks: { ...base.quirks, ...opts.quirks },
    tensors(config) {
      const d = config.hiddenSize;
      const kv = config.numKvHeads * headDim(config);
      const out: FileTensor[] = [];
      for (const t of base.tensors(config)) {
        const m = /^model\.layers\.(\d+)\.self_attn\.(q|k|v)_proj\.weight$/.exec(t.parts.length === 1 ? t.parts[0].name : '');
        if (!m) {
          out.push(t);
          continue;
        }
        if (m[2] !== 'q') continue;
        const p = `model.layers.${m[1]}.self_attn`;
        out.push({
          name: fusedName(Number(m[1])),
          shape: [d + 2 * kv, d],
          parts: [
            { name: `${p}.q_proj.weight`, rows: d },
            { name: `${p}.k_proj.weight`, rows: kv },
            { name: `${p}.v_proj.weight`, rows: kv },
          ],
        });
      }
      return out;
    },
  };
}
