/** The `crossedit stats` command line that builds missing artifacts, for error messages. */
import { ConfigurationError } from '@crossedit/core';

/** What is known about the artifact a caller wanted. Unknown parts print as placeholders. */
export interface StatsCommandParts {
  backbone?: string;
  modelDir?: string;
  layers?: readonly number[];
  corpus?: string;
  samples?: number;
  /** The statistics directory (`--out`), when not the default. */
  outDir?: string;
  lang?: string;
}

/**
 * The command that builds second-moment artifacts.
 *
 * @example
 * ```ts
 * statsCommand({ backbone: 'llama', layers: [4, 5, 6, 7, 8] });
 * // 'crossedit stats --backbone llama --model-dir <MODEL_DIR> --layers 4,5,6,7,8 --corpus <CORPUS> --samples <N>'
 * ```
 */
export function statsCommand(p: StatsCommandParts): string {
  const q = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const parts = [
    'crossedit stats',
    `--backbone ${p.backbone ? q(p.backbone) : '<BACKBONE>'}`,
    `--model-dir ${p.modelDir ? q(p.modelDir) : '<MODEL_DIR>'}`,
    `--layers ${p.layers?.length ? p.layers.join(',') : '<LAYERS>'}`,
    `--corpus ${p.corpus ? q(p.corpus) : '<CORPUS>'}`,
    `--samples ${p.samples ?? '<N>'}`,
  ];
  if (p.outDir) parts.push(`--out ${q(p.outDir)}`);
  if (p.lang) parts.push(`--lang ${q(p.lang)}`);
  return parts.join(' ');
}

/** A required statistics artifact is missing; `command` builds it. */
export class MissingStatsError extends ConfigurationError {
  override name = 'MissingStatsError';
  constructor(
    detail: string,
    /** The command line that builds the artifact. */
    readonly command: string,
  ) {
    super(`${detail}\nBuild it with:\n  ${command}`);
  }
}
