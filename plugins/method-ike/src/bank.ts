/**
 * The demonstration bank: demonstrations built from training data in the edit language, embedded once
 * and cached on disk, keyed by the encoder, the data file's content and the limit. Never built from a
 * test set: the source must be training data the user names.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FormatError, type SentenceEncoder } from '@crossedit/core';
import { loadTrainingPairs, loadZsre } from '@crossedit/eval';
import { demosOf, type Demo, type DemoKind, type DemoSource } from './demos.js';

/** A built bank. */
export interface DemoBank {
  /** The data the bank came from. */
  source: string;
  /** sha256 over the source files' bytes. */
  sourceHash: string;
  lang: string;
  /** How many demonstrations of each kind. */
  kinds: Record<DemoKind, number>;
  demos: Demo[];
  encoderId: string;
  dim: number;
  /** `demos.length × dim`, unit rows. */
  embeddings: Float32Array;
}

/** Reads demonstration sources of one language from a training directory or a ZsRE-format JSON file. */
export function readDemoSources(source: string, lang: string, limit = 0): { sources: DemoSource[]; files: string[] } {
  if (!existsSync(source)) throw new FormatError(source, 'IKE bank source not found (give a training directory or a ZsRE-format JSON file)');
  if (statSync(source).isDirectory()) {
    const set = loadTrainingPairs(source, [lang], limit ? { limit } : {});
    return {
      sources: set.pairs.map((p) => ({ prompt: p.byLang[lang].question, target: p.byLang[lang].answer })),
      files: Object.values(set.files),
    };
  }
  const ds = loadZsre(source, lang, { extraKeys: 'ignore' });
  const recs = limit ? ds.records.slice(0, limit) : ds.records;
  return {
    sources: recs.map((r) => ({
      prompt: r.src,
      target: r.alt,
      rephrase: r.rephrase,
      loc: r.loc.replace(/^nq question:\s*/, ''),
      locAns: r.locAns,
    })),
    files: [source],
  };
}

/** Builds (or loads from `cacheDir`) the bank for `lang`. */
export async function buildBank(opts: {
  source: string;
  lang: string;
  limit: number;
  encoder: SentenceEncoder;
  cacheDir?: string;
  onProgress?: (done: number, total: number) => void;
}): Promise<DemoBank> {
  const { sources, files } = readDemoSources(opts.source, opts.lang, opts.limit);
  const h = createHash('sha256');
  for (const f of files) h.update(readFileSync(f));
  const sourceHash = h.digest('hex');
  const demos = sources.flatMap(demosOf);
  const kinds: Record<DemoKind, number> = { copy: 0, update: 0, retain: 0 };
  for (const d of demos) kinds[d.kind]++;
  const key = createHash('sha256').update(`${opts.encoder.id}|${sourceHash}|${opts.lang}|${opts.limit}|${demos.length}`).digest('hex').slice(0, 24);
  const cacheFile = opts.cacheDir ? path.join(opts.cacheDir, 'ike', `bank-${key}.f32`) : null;
  let embeddings: Float32Array | null = null;
  if (cacheFile && existsSync(cacheFile)) {
    const buf = readFileSync(cacheFile);
    if (buf.byteLength === demos.length * opts.encoder.dim * 4) embeddings = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4).slice();
  }
  if (!embeddings) {
    embeddings = new Float32Array(demos.length * opts.encoder.dim);
    const chunk = 64;
    for (let at = 0; at < demos.length; at += chunk) {
      const part = await opts.encoder.encode(demos.slice(at, at + chunk).map((d) => d.text));
      embeddings.set(part, at * opts.encoder.dim);
      opts.onProgress?.(Math.min(at + chunk, demos.length), demos.length);
    }
    if (cacheFile) {
      mkdirSync(path.dirname(cacheFile), { recursive: true });
      writeFileSync(`${cacheFile}.tmp`, Buffer.from(embeddings.buffer, embeddings.byteOffset, embeddings.byteLength));
      renameSync(`${cacheFile}.tmp`, cacheFile);
    }
  }
  return { source: opts.source, sourceHash, lang: opts.lang, kinds, demos, encoderId: opts.encoder.id, dim: opts.encoder.dim, embeddings };
}
