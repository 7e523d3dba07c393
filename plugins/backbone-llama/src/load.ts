/** Streaming loading of a LLaMA-family checkpoint into a `LlamaModel`, one tensor at a time. */
import * as nodePath from 'node:path';
import {
  FormatError,
  fmtShape,
  shapesEqual,
  sizeOf,
  type Backend,
  type BackboneSource,
  type ModelConfig,
  type Progress,
  type Tensor,
  type WeightDTypeChoice,
  type WeightDTypeRequest,
  resolveWeightDType,
  weightDTypeFor,
} from '@crossedit/core';
import {
  GGUF_LLAMA_KEYS,
  GgufLlamaReader,
  LlamaModel,
  checkFit,
  deviceLimitsOf,
  streamTensors,
  validateConfig,
  type CheckpointReader,
  type FitEstimate,
} from '@crossedit/transformer';
import { checkConfigAgainstIndex, type ConfigOrigin } from './config-check.js';
import { hfConfigKey, modelConfigFromHf, readHfConfig } from './hf-config.js';
import { LLAMA_LAYOUT, type FileTensor, type WeightLayout } from './layout.js';
import { uploadWeight } from './upload.js';
import { locateModel, openLocation, type ModelLocation } from './locate.js';

/** Stored dtypes the readers convert to float32. */
const READABLE = new Set(['f32', 'f16', 'bf16', 'f64', 'q8_0', 'q4_0', 'q4_1']);

/** Options of {@link loadLlamaFamily}. */
export interface LoadLlamaFamilyOptions {
  /** The backend the weights are uploaded to. */
  backend: Backend;
  /** How the checkpoint's tensors map to the network's weights (default {@link LLAMA_LAYOUT}). */
  layout?: WeightLayout;
  /** Config fields overriding what the files say (applied last). */
  config?: Partial<ModelConfig>;
  /** Config fields used where the files say nothing (a backbone's published config). */
  defaults?: Partial<ModelConfig>;
  /** A backbone's own check of the final config (throw to refuse, e.g. an unsupported variant). */
  checkConfig?: (config: ModelConfig, file: string) => void;
  /** Called after each tensor with the checkpoint bytes read so far, the checkpoint's total, and the tensor's name. */
  onProgress?: Progress;
  /**
   * Storage dtype of the weight matrices (default `auto`: f16 when the checkpoint's matrices are f16/bf16 and the
   * backend stores f16 natively; see core `resolveWeightDType`). Norm vectors stay f32. Values are read straight
   * into that dtype; finite values past f16's range (a bf16 or f32 checkpoint) are a `FormatError`.
   */
  dtype?: WeightDTypeRequest;
  /** Called once with the resolved weight dtype and why, before the weights are read. */
  onDType?: (choice: WeightDTypeChoice) => void;
  /**
   * The device-memory budget in bytes the weights (plus a reserve) must fit, checked before anything is
   * allocated; default: the host's available memory on the CPU backends and software adapters, none otherwise.
   */
  deviceMemoryBytes?: number;
  /** Called once the fit estimate passed, before the first tensor is read (the numbers the check used). */
  onFit?: (estimate: FitEstimate) => void;
}

/**
 * The config of a location: GGUF `llama.*` metadata, or `config.json` (with `defaults` for keys it omits), then
 * the layout's quirks and the caller's overrides; with, for each field, the file and key it came from.
 *
 * @throws FormatError naming the directory when an HF directory has no `config.json`
 */
function resolveConfig(
  loc: ModelLocation,
  reader: CheckpointReader | GgufLlamaReader,
  layout: WeightLayout,
  opts: LoadLlamaFamilyOptions,
): { config: ModelConfig; file: string; originOf: (field: keyof ModelConfig) => ConfigOrigin } {
  let base: Partial<ModelConfig>;
  let file: string;
  let keyOf: (field: keyof ModelConfig) => string | undefined;
  if (reader instanceof GgufLlamaReader) {
    base = { ...opts.defaults, ...reader.config };
    file = reader.path;
    keyOf = (f) => GGUF_LLAMA_KEYS[f];
  } else {
    const hf = readHfConfig(loc.dir);
    if (!hf) {
      throw new FormatError(
        nodePath.join(loc.dir, 'config.json'),
        `the model directory has no config.json; an HF checkpoint needs it for the architecture (num_hidden_layers, hidden_size, ...), which is not guessed from a published model's defaults`,
      );
    }
    base = modelConfigFromHf(hf.json, hf.file, opts.defaults);
    file = hf.file;
    keyOf = (f) => hfConfigKey(hf.json, f);
  }
  const config = { ...base, ...layout.quirks, ...opts.config } as ModelConfig;
  validateConfig(config);
  opts.checkConfig?.(config, file);
  const originOf = (field: keyof ModelConfig): ConfigOrigin => {
    if (opts.config?.[field] !== undefined) return { file: reader.path, key: `config override ${field}` };
    const key = keyOf(field);
    return key ? { file, key } : { file, key: `${field} (default)` };
  };
  return { config, file, originOf };
}

/**
 * Checks a checkpoint against a layout before anything is read: every planned tensor present with its shape
 * and a readable dtype; every other tensor ignorable. Throws a `FormatError` naming the file and tensor.
 */
export function checkCheckpoint(reader: CheckpointReader, plan: readonly FileTensor[], layout: WeightLayout, config: ModelConfig): void {
  const missing = plan.filter((t) => !reader.has(t.name));
  if (missing.length) {
    const t = missing[0];
    const tail = t.name.split('.').slice(-3).join('.');
    const near = reader.list().map((e) => e.name).filter((n) => n.endsWith(tail)).slice(0, 3);
    const more = missing.length > 1 ? `; ${missing.length - 1} more missing (${missing.slice(1, 4).map((m) => `'${m.name}'`).join(', ')}${missing.length > 4 ? ', ...' : ''})` : '';
    const gguf = reader.format === 'gguf' ? '; GGUF tensors are mapped to HF LLaMA names' : '';
    throw new FormatError(
      reader.path,
      `missing tensor '${t.name}' (expected ${fmtShape(t.shape)} in the '${layout.id}' layout)${near.length ? `; similar: ${near.map((n) => `'${n}'`).join(', ')}` : ''}${more}${gguf}`,
    );
  }
  for (const t of plan) {
    const e = reader.entry(t.name);
    if (!shapesEqual(e.shape, t.shape)) {
      throw new FormatError(
        e.file,
        `tensor '${t.name}' has shape ${fmtShape(e.shape)}, expected ${fmtShape(t.shape)} (config: vocab ${config.vocabSize}, hidden ${config.hiddenSize}, ` +
          `intermediate ${config.intermediateSize}, heads ${config.numHeads}/${config.numKvHeads} kv)`,
      );
    }
    if (!READABLE.has(e.dtype)) {
      throw new FormatError(e.file, `tensor '${t.name}' has dtype ${e.dtype}; weights must be one of ${[...READABLE].join(', ')}`);
    }
  }
  const planned = new Set(plan.map((t) => t.name));
  for (const e of reader.list()) {
    if (planned.has(e.name) || layout.ignore.some((re) => re.test(e.name))) continue;
    if (config.tieEmbeddings && e.name === 'lm_head.weight') continue; // tied: the embedding serves as the head
    throw new FormatError(e.file, `unexpected tensor '${e.name}' ${fmtShape(e.shape)}: not part of the '${layout.id}' layout (wrong backbone for this checkpoint?)`);
  }
}

/**
 * Loads a LLaMA-family model from local files, streaming: the checkpoint's header is checked against the
 * layout first, then the weights' device bytes against the backend's limits and memory budget (`checkFit`:
 * a model that cannot fit fails before anything is allocated), then each tensor is read into one reusable
 * host buffer in the load dtype, split into its canonical weights and uploaded before the next is read, so the
 * host holds the largest tensor plus a constant next to the uploaded weights.
 *
 * `src.modelDir` is an HF directory (`config.json` + safetensors or PyTorch `.bin`, single or sharded) or a
 * LLaMA `.gguf` file (or a directory holding one), whose `llama.*` metadata gives the config and whose q/k rows
 * are restored to HF's `rotate_half` order.
 *
 * @throws FormatError naming the file and tensor for a missing tensor, a wrong shape, an unreadable dtype, a
 *   corrupt header or a tensor foreign to the layout
 * @example
 * ```ts
 * const model = await loadLlamaFamily({ modelDir: '/models/chinese-llama-2-7b' }, { backend, onProgress });
 * ```
 */
export async function loadLlamaFamily(src: BackboneSource, opts: LoadLlamaFamilyOptions): Promise<LlamaModel> {
  const layout = opts.layout ?? LLAMA_LAYOUT;
  const loc = locateModel(src);
  const reader = await openLocation(loc);
  const weights = new Map<string, Tensor>();
  try {
    const { config, originOf } = resolveConfig(loc, reader, layout, opts);
    checkConfigAgainstIndex(reader, config, originOf);
    const plan = layout.tensors(config);
    checkCheckpoint(reader, plan, layout, config);
    const stored = plan.filter((t) => t.shape.length === 2).map((t) => reader.entry(t.name).dtype);
    const choice = resolveWeightDType(opts.dtype, stored, opts.backend);
    opts.onDType?.(choice);
    const requests = plan.map((t) => ({ name: t.name, shape: t.shape, dtype: weightDTypeFor(choice.dtype, t.shape) }));
    const parts = plan.flatMap((t, i) => t.parts.map((p) => ({ name: p.name, shape: [p.rows, ...t.shape.slice(1)], dtype: requests[i].dtype })));
    const fit = checkFit(reader.path, parts, deviceLimitsOf(opts.backend, { memoryBytes: opts.deviceMemoryBytes }), `the '${layout.id}' model in ${choice.dtype}`);
    opts.onFit?.(fit);
    const byName = new Map(plan.map((t) => [t.name, t]));
    await streamTensors(reader, requests, { dtype: 'f32', onProgress: opts.onProgress }, async (e, data) => {
      const t = byName.get(e.name)!;
      const dtype = data instanceof Uint16Array ? 'f16' : 'f32';
      const cols = sizeOf(t.shape.slice(1));
      let row = 0;
      for (const part of t.parts) {
        // the upload copies the rows out of the streaming buffer, which the next tensor overwrites
        const w = uploadWeight(opts.backend, data.subarray(row * cols, (row + part.rows) * cols), [part.rows, ...t.shape.slice(1)], dtype);
        w.name = part.name;
        weights.set(part.name, w);
        row += part.rows;
      }
      // let the device consume the upload (its staging copy) before the next tensor is read
      await opts.backend.sync();
    });
    return new LlamaModel(config, weights, { source: reader.path });
  } catch (e) {
    for (const w of weights.values()) w.dispose();
    throw e;
  } finally {
    await reader.close();
  }
}
