/**
 * Trained-editor artifacts (MEND's hypernetwork, SERAC's classifier and counterfactual model): one
 * safetensors file (the statistics package's reader and writer) whose string metadata is the header —
 * method, backbone weights hash, training data and its hash, hyperparameters, code version — and whose
 * name is the content address of that header.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FormatError } from '@crossedit/core';
import { readSafetensors, readSafetensorsHeader, writeSafetensors, type SafeTensor } from '@crossedit/stats';

/** The format tag of every editor artifact. */
export const EDITOR_FORMAT = 'crossedit.editor/1';

/** One training data source an editor saw. */
export interface DataSource {
  /** File name (no directory). */
  file: string;
  /** SHA-256 of the file's bytes. */
  sha256: string;
  /** Language of the text. */
  lang: string;
  /** `zsre` (records with rephrase and locality) or `pairs` (question/answer lines; locality from other questions). */
  format: 'zsre' | 'pairs';
  /** `--train-limit` (null: all). */
  limit: number | null;
  /** Training examples actually used. */
  used: number;
  /** Validation examples (held out from the end of the file). */
  validation: number;
}

/** What identifies an artifact (its content address is the hash of these). */
export interface ArtifactKey {
  /** `mend` or `serac`. */
  method: string;
  /** Weights hash of the backbone it was trained for (`@crossedit/stats` `weightsHash`). */
  weightsHash: string;
  /** Hash of {@link DataSource} list (see {@link dataHash}). */
  dataHash: string;
  /** Architecture and training hyperparameters. */
  hparams: Record<string, unknown>;
  /** `<method>@<n>`: the code that reads it; another version is refused. */
  codeVersion: string;
}

/** The full header: the key plus what it was trained on and how it went. */
export interface ArtifactHeader extends ArtifactKey {
  backbone: string;
  data: DataSource[];
  /** Languages of the training data (an artifact serves edits in these languages). */
  langs: string[];
  /** Steps, seconds, best validation accuracy, host. */
  training: Record<string, unknown>;
}

/** An artifact found on disk. */
export interface ArtifactInfo extends ArtifactHeader {
  path: string;
  id: string;
}

/** The hash of a list of data sources (order-sensitive). */
export function dataHash(sources: readonly DataSource[]): string {
  const canon = JSON.stringify(sources.map((s) => [s.sha256, s.lang, s.format, s.limit, s.used, s.validation]));
  return createHash('sha256').update(canon).digest('hex');
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  return v;
}

/** The hex content address of a key. */
export function artifactId(key: ArtifactKey): string {
  const canon = JSON.stringify([key.method, key.weightsHash, key.dataHash, canonical(key.hparams), key.codeVersion]);
  return createHash('sha256').update(canon).digest('hex');
}

/** The file an artifact of `key` is written to under `dir`. */
export function artifactFile(dir: string, key: ArtifactKey): string {
  return join(dir, `${key.method}-${artifactId(key).slice(0, 24)}.safetensors`);
}

/**
 * Writes an artifact (atomically) and returns its path.
 *
 * @example
 * ```ts
 * const path = await writeArtifact('.cache/crossedit/editors', header, { 'net0.U': { dtype: 'F32', shape: [240, 32], data } });
 * ```
 */
export async function writeArtifact(dir: string, header: ArtifactHeader, tensors: Record<string, SafeTensor>): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const path = artifactFile(dir, header);
  await writeSafetensors(path, tensors, {
    format: EDITOR_FORMAT,
    id: artifactId(header),
    method: header.method,
    backbone: header.backbone,
    weightsHash: header.weightsHash,
    dataHash: header.dataHash,
    data: JSON.stringify(header.data),
    langs: header.langs.join(','),
    hparams: JSON.stringify(header.hparams),
    codeVersion: header.codeVersion,
    training: JSON.stringify(header.training),
  });
  return path;
}

/** Reads an artifact's header; a file that is not an editor artifact is a FormatError naming it. */
export async function artifactInfo(path: string): Promise<ArtifactInfo> {
  const h = await readSafetensorsHeader(path);
  const m = h.metadata;
  if (m.format !== EDITOR_FORMAT) throw new FormatError(path, `not a crossedit editor artifact (metadata 'format' is ${JSON.stringify(m.format)}, expected '${EDITOR_FORMAT}')`);
  const json = (k: string): never => {
    try {
      return JSON.parse(m[k]) as never;
    } catch {
      throw new FormatError(path, `metadata '${k}' must be JSON`);
    }
  };
  return {
    path,
    id: m.id,
    method: m.method,
    backbone: m.backbone,
    weightsHash: m.weightsHash,
    dataHash: m.dataHash,
    data: json('data'),
    langs: (m.langs ?? '').split(',').filter(Boolean),
    hparams: json('hparams'),
    codeVersion: m.codeVersion,
    training: json('training'),
  };
}

/** Reads an artifact: header and tensors (as host arrays). */
export async function readArtifact(path: string): Promise<{ info: ArtifactInfo; tensors: Record<string, SafeTensor> }> {
  const info = await artifactInfo(path);
  const { tensors } = await readSafetensors(path);
  return { info, tensors };
}

/** Every editor artifact of `method` in `dir` (foreign or damaged files are skipped). */
export async function listArtifacts(dir: string, method: string): Promise<ArtifactInfo[]> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: ArtifactInfo[] = [];
  for (const n of names.sort()) {
    if (!n.startsWith(`${method}-`) || !n.endsWith('.safetensors')) continue;
    try {
      const info = await artifactInfo(join(dir, n));
      if (info.method === method) out.push(info);
    } catch {
      // not an artifact
    }
  }
  return out;
}
