/**
 * `@crossedit/stats`: second-moment statistics of MLP keys (C_ℓ = E[k kᵀ] of the `mlp.down` input) as
 * explicit, resumable, content-addressed artifacts; a read-only {@link StatsProvider} over them; and a
 * cached float64 Cholesky factor for the solves MEMIT (and ROME with adjustment) need.
 *
 * @packageDocumentation
 */
export { buildSecondMoments, type BuildSecondMomentsOptions, type BuildSecondMomentsResult, type StatsProgress } from './build.js';
export { openStats, ArtifactStatsProvider, type OpenStatsOptions } from './provider.js';
export { statsCommand, MissingStatsError, type StatsCommandParts } from './command.js';
export { artifactId, artifactPath, artifactInfo, listArtifacts, MOM2_FORMAT, type ArtifactInfo, type ArtifactKey, type StatsDType } from './artifact.js';
export { secondMomentFactor, choleskyWithJitter, solveWithFactor, type SpdFactor, type FactorSource } from './factor.js';
/** The weights hash that addresses artifacts (one implementation, in @crossedit/transformer). */
export { weightsHash } from '@crossedit/transformer';
export { readCorpus, corpusHash, detectCorpusFormat, type CorpusOptions } from './corpus.js';
export { writeSafetensors, readSafetensors, readSafetensorsHeader, type SafeTensor, type SafeHeader, type SafeDType } from './safetensors.js';
