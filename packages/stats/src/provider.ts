/**
 * A {@link StatsProvider} that only reads artifacts built by {@link buildSecondMoments}; a missing one
 * is a {@link MissingStatsError} whose message prints the `crossedit stats` command that builds it.
 */
import { tensor, type Backend, type StatsProvider, type Tensor } from '@crossedit/core';
import { listArtifacts, type ArtifactInfo, type StatsDType } from './artifact.js';
import { MissingStatsError, statsCommand, type StatsCommandParts } from './command.js';
import type { FactorSource, SpdFactor } from './factor.js';
import { readSafetensors, writeSafetensors } from './safetensors.js';

/** Options of {@link openStats}. */
export interface OpenStatsOptions {
  /** The statistics directory. */
  dir: string;
  /** {@link weightsHash} of the unedited model. */
  weightsHash: string;
  /** Restrict to artifacts of this corpus; otherwise any corpus. */
  corpusHash?: string;
  /** Restrict to this sample count; otherwise the largest available is used. */
  sampleCount?: number;
  /** Restrict to this storage precision. */
  dtype?: StatsDType;
  /** Where {@link ArtifactStatsProvider.secondMoment} creates tensors (default: the current backend). */
  backend?: Backend;
  /** Filled into the command printed when an artifact is missing. */
  command?: StatsCommandParts;
  /** Store Cholesky factors beside the artifacts (default true). */
  cacheFactors?: boolean;
}

/** Reads second-moment artifacts of one model from a directory. */
export class ArtifactStatsProvider implements StatsProvider, FactorSource {
  #listing: Promise<ArtifactInfo[]> | null = null;

  constructor(readonly opts: OpenStatsOptions) {}

  /** The artifact used for `layer` (throws {@link MissingStatsError} if none matches). */
  async info(layer: number): Promise<ArtifactInfo> {
    this.#listing ??= listArtifacts(this.opts.dir);
    const all = await this.#listing;
    const o = this.opts;
    const match = all
      .filter((a) => a.weightsHash === o.weightsHash && a.layer === layer)
      .filter((a) => (o.corpusHash === undefined || a.corpusHash === o.corpusHash) && (o.sampleCount === undefined || a.sampleCount === o.sampleCount))
      .filter((a) => o.dtype === undefined || a.dtype === o.dtype)
      .sort((a, b) => b.sampleCount - a.sampleCount || b.tokens - a.tokens);
    if (match.length === 0) {
      this.#listing = null; // look again next time (it may have been built meanwhile)
      const want = [`layer ${layer}`, `weights ${o.weightsHash.slice(0, 12)}`];
      if (o.corpusHash) want.push(`corpus ${o.corpusHash.slice(0, 12)}`);
      if (o.sampleCount !== undefined) want.push(`${o.sampleCount} samples`);
      const layers = o.command?.layers?.includes(layer) ? o.command.layers : [...(o.command?.layers ?? []), layer].sort((a, b) => a - b);
      const cmd = statsCommand({ ...o.command, layers, samples: o.command?.samples ?? o.sampleCount, outDir: o.command?.outDir ?? o.dir });
      throw new MissingStatsError(`no second-moment statistics for ${want.join(', ')} in ${o.dir}`, cmd);
    }
    return match[0];
  }

  /** C as host values (float32 or float64 as stored). */
  async secondMomentHost(layer: number): Promise<{ data: Float32Array | Float64Array; size: number }> {
    const info = await this.info(layer);
    const { tensors } = await readSafetensors(info.path, ['mom2']);
    return { data: tensors.mom2.data, size: info.size };
  }

  /** `E[k kᵀ]` at `layer`, `[M, M]` f32, on the provider's backend; the caller disposes it. */
  async secondMoment(layer: number): Promise<Tensor> {
    const { data, size } = await this.secondMomentHost(layer);
    return tensor(data, [size, size], { backend: this.opts.backend });
  }

  #factorPath(info: ArtifactInfo): string {
    return info.path.replace(/\.safetensors$/, '.chol.safetensors');
  }

  /** A stored Cholesky factor of the layer's artifact, or null. */
  async loadFactor(layer: number): Promise<SpdFactor | null> {
    if (this.opts.cacheFactors === false) return null;
    const info = await this.info(layer);
    try {
      const { tensors, metadata } = await readSafetensors(this.#factorPath(info));
      if (metadata.format !== 'crossedit.mom2-chol/1' || tensors.l.dtype !== 'F64') return null;
      return { n: info.size, l: tensors.l.data as Float64Array, jitter: Number(metadata.jitter) };
    } catch {
      return null;
    }
  }

  /** Stores a factor beside the artifact (best effort: a read-only directory is not an error). */
  async saveFactor(layer: number, f: SpdFactor): Promise<void> {
    if (this.opts.cacheFactors === false) return;
    const info = await this.info(layer);
    await writeSafetensors(this.#factorPath(info), { l: { dtype: 'F64', shape: [f.n, f.n], data: f.l } }, {
      format: 'crossedit.mom2-chol/1',
      jitter: String(f.jitter),
    }).catch(() => undefined);
  }
}

/**
 * Opens the statistics of one model.
 *
 * @example
 * ```ts
 * const stats = openStats({ dir: 'stats', weightsHash: await weightsHash(model) });
 * const c5 = await stats.secondMoment(5);
 * ```
 */
export function openStats(opts: OpenStatsOptions): ArtifactStatsProvider {
  return new ArtifactStatsProvider(opts);
}
