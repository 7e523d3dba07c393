/**
 * Context templates: short texts the model itself generates once (top-k sampling from five seed words),
 * each followed by `. {}`; the edit prompt is placed at `{}`. Cached per model in memory and, when the
 * context has a cache directory, on disk keyed by the backbone, a weights fingerprint and the settings.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gather, reshape, tensor, tidy, type EditContext, type LanguageModel } from '@crossedit/core';
import { sampleTopK } from './generate.js';

/** The reference's seed words. */
export const TEMPLATE_SEEDS = ['The', 'Therefore', 'Because', 'I', 'You'] as const;

/** Options of {@link generateTemplates}. */
export interface TemplateOptions {
  /** `[totalTokens, count]` pairs; each count is split evenly over the seed words. */
  lengths: readonly (readonly [number, number])[];
  topK?: number;
  seeds?: readonly string[];
}

const memory = new WeakMap<LanguageModel, Map<string, Promise<string[]>>>();

/**
 * A cheap fingerprint of a model's weights (SHA-256 of the config, every norm vector and the first row
 * of every matrix): enough to tell checkpoints apart for caching, without reading gigabytes back.
 */
export async function weightsFingerprint(model: LanguageModel): Promise<string> {
  const h = createHash('sha256').update(JSON.stringify(model.config));
  const all = model.weights();
  for (const name of [...all.keys()].sort()) {
    const w = all.get(name)!;
    h.update(`${name}[${w.shape.join(',')}]`);
    // row 0 by a lookup: Gather reads f16 (widened to f32) and row-sharded matrices, a Slice does not
    const t = w.rank === 2 ? tidy(() => reshape(gather(w, tensor(Int32Array.of(0), [1], { dtype: 'i32', backend: w.backend })), [w.shape[1]])) : w;
    const d = await t.data();
    if (t !== w) t.dispose();
    const f = Float32Array.from(d);
    h.update(new Uint8Array(f.buffer));
  }
  return h.digest('hex');
}

/**
 * The generated templates (without the bare `{}`), each `text + ". {}"` with braces in the text
 * replaced by spaces. Generated with `ctx.rng` on first use and then reused.
 */
export function generateTemplates(ctx: EditContext, opts: TemplateOptions): Promise<string[]> {
  const settings = JSON.stringify({ lengths: opts.lengths, topK: opts.topK ?? 5, seeds: opts.seeds ?? TEMPLATE_SEEDS });
  let byKey = memory.get(ctx.model);
  if (!byKey) memory.set(ctx.model, (byKey = new Map()));
  let p = byKey.get(settings);
  if (!p) {
    p = loadOrGenerate(ctx, opts, settings);
    byKey.set(settings, p);
    p.catch(() => byKey!.delete(settings));
  }
  return p;
}

async function loadOrGenerate(ctx: EditContext, opts: TemplateOptions, settings: string): Promise<string[]> {
  let file: string | null = null;
  if (ctx.cacheDir) {
    const fp = await weightsFingerprint(ctx.model);
    const key = createHash('sha256').update(`${ctx.backbone.id}\n${fp}\n${settings}`).digest('hex').slice(0, 24);
    file = join(ctx.cacheDir, 'context-templates', `${key}.json`);
    try {
      const cached = JSON.parse(await readFile(file, 'utf8')) as { templates?: unknown };
      if (Array.isArray(cached.templates) && cached.templates.every((t) => typeof t === 'string')) return cached.templates as string[];
    } catch {
      // not cached yet
    }
  }
  const seeds = opts.seeds ?? TEMPLATE_SEEDS;
  const out: string[] = [];
  for (const [len, n] of opts.lengths) {
    const per = Math.floor(n / seeds.length);
    if (per === 0) continue;
    for (const seed of seeds) {
      const texts = await sampleTopK(ctx.model, ctx.tokenizer, seed, { count: per, totalTokens: len, topK: opts.topK ?? 5, rng: ctx.rng });
      for (const t of texts) out.push(t.replace(/[{}]/g, ' ') + '. {}');
    }
  }
  if (file) {
    await mkdir(join(ctx.cacheDir!, 'context-templates'), { recursive: true });
    await writeFile(file, JSON.stringify({ backbone: ctx.backbone.id, settings: JSON.parse(settings), templates: out }, null, 1));
  }
  ctx.log.debug?.(`context templates: ${out.length} generated`);
  return out;
}
