/**
 * The demonstration bank: demonstrations built from training data in the edit language, embedded once
 * and cached on disk, keyed by the encoder and the demonstration texts. Never built from a
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
  /** Whether the embeddings were read from the cache directory. */
  fromCache: boolean;
}

/** File names that look like evaluation data, which a bank must never be built from. */
const HELD_OUT = /(test|eval|dev)/i;

/** Applies a bank template such as `Q:{} A:` (Bi-ZsRE) to a question; `{}` leaves it as is. */
export function applyTemplate(template: string, question: string): string {
  return template.replace('{}', () => question);
}

/**
 * Reads demonstration sources of one language from a training directory (line-aligned
 * `zsre_mend_train_<lang>_<n>.txt` pairs: question and new answer only) or a ZsRE-format JSON file
 * (with rephrase and locality pairs; the `nq question: ` prefix of `loc` is removed). The first `limit`
 * usable records are used (0: all); `template` rewrites each question (`{}`: unchanged).
 * @throws FormatError for a missing source or a file whose name looks like evaluation data.
 */
export function readDemoSources(source: string, lang: string, limit = 0, template = '{}'): { sources: DemoSource[]; files: string[] } {
  if (!existsSync(source)) throw new FormatError(source, 'IKE bank source not found (give a training directory or a ZsRE-format JSON file)');
  const q = (s: string) => applyTemplate(template, s);
  if (statSync(source).isDirectory()) {
    const set = loadTrainingPairs(source, [lang], limit ? { limit } : {});
    return {
      sources: set.pairs.map((p) => ({ prompt: q(p.byLang[lang].question), target: p.byLang[lang].answer })),
      files: Object.values(set.files),
    };
  }
  if (HELD_OUT.test(path.basename(source))) {
    throw new FormatError(source, 'the file name says test/eval/dev data; IKE demonstration banks must come from training data (rename the file if it really is training data)');
  }
  const ds = loadZsre(source, lang, { extraKeys: 'ignore' });
  const recs = limit ? ds.records.slice(0, limit) : ds.records;
  return {
    sources: recs.map((r) => ({
      prompt: q(r.src),
      target: r.alt,
      rephrase: q(r.rephrase),
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
  /** Question template (default `{}`). */
  template?: string;
  encoder: SentenceEncoder;
  cacheDir?: string;
  onProgress?: (done: number, total: number) => void;
}): Promise<DemoBank> {
  const template = opts.template ?? '{}';
  const { sources, files } = readDemoSources(opts.source, opts.lang, opts.limit, template);
  const h = createHash('sha256');
  for (const f of files) h.update(readFileSync(f));
  const sourceHash = h.digest('hex');
  const demos = sources.flatMap(demosOf);
  const kinds: Record<DemoKind, number> = { copy: 0, update: 0, retain: 0 };
  for (const d of demos) kinds[d.kind]++;
  // keyed by the encoder and the exact demonstration texts (so limit, template and data edits all count)
  const kh = createHash('sha256').update(`${opts.encoder.id}\0${opts.encoder.dim}\0`);
  for (const d of demos) kh.update(`${d.text}\0`);
  const key = kh.digest('hex').slice(0, 32);
  const cacheFile = opts.cacheDir ? path.join(opts.cacheDir, 'ike', `bank-${key}.f32`) : null;
  let embeddings: Float32Array | null = null;
  let fromCache = false;
  if (cacheFile && existsSync(cacheFile)) {
    const buf = readFileSync(cacheFile);
    if (buf.byteLength === demos.length * opts.encoder.dim * 4) {
      embeddings = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4).slice();
      fromCache = true;
    }
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
  return { source: opts.source, sourceHash, lang: opts.lang, kinds, demos, encoderId: opts.encoder.id, dim: opts.encoder.dim, embeddings, fromCache };
}
