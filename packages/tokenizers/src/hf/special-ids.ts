/** Working out the special token ids of a `tokenizer.json`. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { SpecialIds } from '@crossedit/core';
import { FormatError } from '@crossedit/core';
import type { TokenizerJson } from './tokenizer-json.js';

/** The id of every token of a `tokenizer.json` (model vocabulary and added tokens). */
export function tokenizerJsonVocab(json: TokenizerJson, source: string): string[] {
  const out: string[] = [];
  const model = json.model as { type?: string; vocab?: unknown };
  if (Array.isArray(model.vocab)) {
    (model.vocab as [string, number][]).forEach(([piece], i) => {
      out[i] = piece;
    });
  } else if (model.vocab && typeof model.vocab === 'object') {
    for (const [piece, id] of Object.entries(model.vocab as Record<string, number>)) out[id] = piece;
  } else {
    throw new FormatError(source, `model.vocab is missing (model type ${String(model.type)}); expected an object or a list`);
  }
  for (const t of json.added_tokens ?? []) out[t.id] = t.content;
  return out;
}

function tokenName(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') return (v as { content: string }).content;
  return null;
}

/**
 * The special token names given by `tokenizer_config.json` and `special_tokens_map.json` (the latter
 * wins) in the folder of `file`, as transformers reads them; `null` entries are left out.
 *
 * @throws FormatError naming a sidecar file that is not valid JSON
 */
export function sidecarSpecialTokens(file: string): Partial<Record<keyof SpecialIds, string>> {
  const named: Partial<Record<keyof SpecialIds, string>> = {};
  for (const side of ['tokenizer_config.json', 'special_tokens_map.json']) {
    const f = path.join(path.dirname(file), side);
    if (!existsSync(f)) continue;
    let cfg: Record<string, unknown>;
    try {
      cfg = JSON.parse(readFileSync(f, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new FormatError(f, `cannot parse JSON: ${(e as Error).message}`);
    }
    for (const k of ['bos', 'eos', 'unk', 'pad'] as const) {
      const name = tokenName(cfg[`${k}_token`]);
      if (name !== null) named[k] = name;
    }
  }
  return named;
}

/**
 * Special ids of a `tokenizer.json`: from `special_tokens_map.json` / `tokenizer_config.json` beside it
 * when present, else from the post-processor template (BOS), the BPE `unk_token`, and the usual names
 * (`<s>`, `</s>`, `<unk>`, `<pad>`, `<|endoftext|>`).
 *
 * @param json the parsed tokenizer
 * @param file its path (sidecar files are looked up in its folder), or null
 */
export function inferSpecialIds(json: TokenizerJson, file: string | null): SpecialIds {
  const vocab = tokenizerJsonVocab(json, file ?? 'tokenizer.json');
  const idOf = new Map<string, number>();
  vocab.forEach((p, i) => {
    if (p !== undefined && !idOf.has(p)) idOf.set(p, i);
  });
  const named = file ? sidecarSpecialTokens(file) : {};
  const pp = json.post_processor as { type?: string; single?: { SpecialToken?: { id: string } }[] } | null;
  if (named.bos === undefined && pp?.type === 'TemplateProcessing') {
    const first = pp.single?.[0]?.SpecialToken?.id;
    if (first !== undefined) named.bos = first;
  }
  const model = json.model as { unk_token?: string | null };
  if (named.unk === undefined && typeof model.unk_token === 'string') named.unk = model.unk_token;
  const pick = (k: keyof SpecialIds, fallbacks: string[]): number | null => {
    const n = named[k];
    if (n !== undefined) return idOf.get(n) ?? null;
    for (const f of fallbacks) if (idOf.has(f)) return idOf.get(f)!;
    return null;
  };
  return {
    bos: pick('bos', ['<s>', '<|begin_of_text|>']),
    eos: pick('eos', ['</s>', '<|endoftext|>', '<|end_of_text|>']),
    unk: pick('unk', ['<unk>']),
    pad: pick('pad', ['<pad>']),
  };
}
