/**
 * Content addresses of second-moment artifacts: one safetensors file per (weights hash, layer, corpus
 * hash, sample count, dtype), holding `mom2` = E[k kᵀ] of the `mlp.down` input and its metadata.
 */
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readSafetensorsHeader } from './safetensors.js';

/** The format tag written into every artifact's metadata. */
export const MOM2_FORMAT = 'crossedit.mom2/1';

/** Storage precision of the matrix. */
export type StatsDType = 'f32' | 'f64';

/** What identifies an artifact. */
export interface ArtifactKey {
  /** {@link weightsHash} of the model the keys came from. */
  weightsHash: string;
  layer: number;
  /** SHA-256 of the corpus file. */
  corpusHash: string;
  /** Samples requested (the address uses the request; the metadata records how many were used). */
  sampleCount: number;
  dtype: StatsDType;
}

/** An artifact found on disk: its key, path and recorded facts. */
export interface ArtifactInfo extends ArtifactKey {
  path: string;
  /** Tokens summed over (N in C = Σ k kᵀ / N). */
  tokens: number;
  /** Samples actually read (fewer than requested when the corpus is shorter). */
  samplesUsed: number;
  /** Width of k (the MLP size). */
  size: number;
  /** Language of the corpus as given when building (`und` if not given). */
  lang: string;
  /** File name of the corpus. */
  corpus: string;
}

/** The hex id of a key (SHA-256 over its canonical JSON). */
export function artifactId(key: ArtifactKey): string {
  const canon = JSON.stringify([key.weightsHash, key.layer, key.corpusHash, key.sampleCount, key.dtype]);
  return createHash('sha256').update(canon).digest('hex');
}

/** Where the artifact of `key` lives under `dir`. */
export function artifactPath(dir: string, key: ArtifactKey): string {
  return join(dir, `mom2-l${key.layer}-${artifactId(key).slice(0, 24)}.safetensors`);
}

/** Reads an artifact's header and returns its info, or null if it is not a mom2 artifact. */
export async function artifactInfo(path: string): Promise<ArtifactInfo | null> {
  const h = await readSafetensorsHeader(path);
  const m = h.metadata;
  if (m.format !== MOM2_FORMAT || !h.tensors.mom2) return null;
  return {
    path,
    weightsHash: m.weightsHash,
    layer: Number(m.layer),
    corpusHash: m.corpusHash,
    sampleCount: Number(m.sampleCount),
    dtype: m.dtype as StatsDType,
    tokens: Number(m.tokens),
    samplesUsed: Number(m.samplesUsed),
    size: h.tensors.mom2.shape[0],
    lang: m.lang ?? 'und',
    corpus: m.corpus ?? '',
  };
}

/** Every mom2 artifact in `dir` (unreadable or foreign files are skipped). */
export async function listArtifacts(dir: string): Promise<ArtifactInfo[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const out: ArtifactInfo[] = [];
  for (const n of names.sort()) {
    if (!/^mom2-.*\.safetensors$/.test(n)) continue;
    try {
      const info = await artifactInfo(join(dir, n));
      if (info) out.push(info);
    } catch {
      // a foreign or damaged file: not an artifact
    }
  }
  return out;
}
