/**
 * Finding the artifact an edit needs: an explicit file is checked against the model, otherwise the
 * search directories are scanned for one trained on this backbone's weights, for the edit's language,
 * by this code version. What does not fit is refused with an error that prints the training command.
 */
import { ConfigurationError } from '@crossedit/core';
import { artifactInfo, listArtifacts, type ArtifactInfo } from './artifact.js';

/** The parts of the `crossedit train-editor` command line printed in errors. */
export interface TrainCommandParts {
  method: string;
  backbone?: string;
  modelDir?: string;
  lang?: string;
  data?: string;
  outDir?: string;
}

/**
 * The command that trains an editor artifact.
 *
 * @example
 * ```ts
 * trainEditorCommand({ method: 'mend', backbone: 'tiny', lang: 'en' });
 * // 'crossedit train-editor --method mend --backbone tiny --data <ZSRE_TRAIN_JSON> --lang en --out .cache/crossedit/editors'
 * ```
 */
export function trainEditorCommand(p: TrainCommandParts): string {
  const q = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const parts = ['crossedit train-editor', `--method ${p.method}`, `--backbone ${p.backbone ? q(p.backbone) : '<BACKBONE>'}`];
  if (p.modelDir) parts.push(`--model-dir ${q(p.modelDir)}`);
  parts.push(`--data ${p.data ? q(p.data) : '<ZSRE_TRAIN_JSON>'}`, `--lang ${p.lang ?? '<LANG>'}`, `--out ${q(p.outDir ?? '.cache/crossedit/editors')}`);
  return parts.join(' ');
}

/** No artifact fits; `command` trains one. A configuration error: evaluation runs stop on it. */
export class MissingArtifactError extends ConfigurationError {
  override name = 'MissingArtifactError';
  constructor(
    detail: string,
    /** The command line that trains a fitting artifact. */
    readonly command: string,
  ) {
    super(`${detail}\nTrain one with:\n  ${command}`);
  }
}

/** An explicitly given artifact does not fit the model or the code; `command` trains one that does. */
export class ArtifactMismatchError extends ConfigurationError {
  override name = 'ArtifactMismatchError';
  constructor(
    detail: string,
    readonly command: string,
  ) {
    super(`${detail}\nTrain a fitting one with:\n  ${command}`);
  }
}

/** What {@link locateArtifact} needs. */
export interface LocateOptions {
  method: string;
  /** Weights hash of the unedited model. */
  weightsHash: string;
  /** The edit's language: the artifact's training data must include it. */
  lang: string;
  codeVersion: string;
  /** An explicit artifact file (checked, never replaced by another). */
  path?: string;
  /** Directories searched in order when no path is given. */
  dirs: readonly string[];
  command: Omit<TrainCommandParts, 'method' | 'lang'>;
}

function why(a: ArtifactInfo, o: LocateOptions): string | null {
  if (a.method !== o.method) return `it is a '${a.method}' artifact, not '${o.method}'`;
  if (a.weightsHash !== o.weightsHash) return `it was trained for backbone weights ${a.weightsHash.slice(0, 12)} (${a.backbone}), this model's are ${o.weightsHash.slice(0, 12)}`;
  if (a.codeVersion !== o.codeVersion) return `it was written by ${a.codeVersion}, this code reads ${o.codeVersion}`;
  if (!a.langs.includes(o.lang)) return `its training data is in ${a.langs.join('+') || '?'}, the edit is in ${o.lang}`;
  return null;
}

/**
 * The artifact to load for an edit, or an error that names the command building the right one.
 * Directories are searched in order; the first with a fitting artifact wins, and within it the one trained
 * on the most data (then the smallest id).
 *
 * @throws ArtifactMismatchError when `path` is given and does not fit; MissingArtifactError when none is found.
 */
export async function locateArtifact(o: LocateOptions): Promise<ArtifactInfo> {
  const command = trainEditorCommand({ ...o.command, method: o.method, lang: o.lang });
  if (o.path) {
    let a: ArtifactInfo;
    try {
      a = await artifactInfo(o.path);
    } catch (e) {
      throw new ArtifactMismatchError(`${o.path}: not a readable ${o.method} artifact (${(e as Error).message})`, command);
    }
    const bad = why(a, o);
    if (bad) throw new ArtifactMismatchError(`${o.path}: refused: ${bad}`, command);
    return a;
  }
  const seen: string[] = [];
  const size = (a: ArtifactInfo) => a.data.reduce((n, d) => n + d.used, 0);
  for (const dir of o.dirs) {
    const fits: ArtifactInfo[] = [];
    for (const a of await listArtifacts(dir, o.method)) {
      const bad = why(a, o);
      if (bad) seen.push(`${a.path}: ${bad}`);
      else fits.push(a);
    }
    // the first directory with a fitting artifact wins; within it, the one trained on the most data
    fits.sort((a, b) => size(b) - size(a) || a.id.localeCompare(b.id));
    if (fits.length) return fits[0];
  }
  const also = seen.length ? `\nArtifacts found but not usable:\n  ${seen.slice(0, 5).join('\n  ')}` : '';
  throw new MissingArtifactError(`no trained ${o.method} artifact for weights ${o.weightsHash.slice(0, 12)} and language ${o.lang} in ${o.dirs.join(', ')}${also}`, command);
}
