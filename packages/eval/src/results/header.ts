/** Comparing the header of existing results with the run that wants to append to them. */
import { canonicalJson } from './canonical.js';
import type { RunHeader } from './types.js';

/** One field that differs, with both values. */
export interface HeaderDifference {
  field: string;
  existing: string;
  requested: string;
}

/**
 * The fields in which `requested` differs from `existing`: method, backbone, sourceLang, dataset,
 * hparams (canonical JSON) and scorerMode always; datasetSha256, weightsHash, schedule, f1Tokenizer and
 * weightDtype when both headers have them. `created` and `versions` are not compared.
 */
export function compareHeaders(existing: RunHeader, requested: RunHeader): HeaderDifference[] {
  const out: HeaderDifference[] = [];
  const always: [string, string, string][] = [
    ['method', existing.method, requested.method],
    ['backbone', existing.backbone, requested.backbone],
    ['sourceLang', existing.sourceLang, requested.sourceLang],
    ['dataset', existing.dataset, requested.dataset],
    ['hparams', canonicalJson(existing.hparams), canonicalJson(requested.hparams)],
    ['scorerMode', existing.scorerMode, requested.scorerMode],
  ];
  for (const [field, a, b] of always) if (a !== b) out.push({ field, existing: a, requested: b });
  const ifBoth: [string, string | undefined, string | undefined][] = [
    ['datasetSha256', existing.datasetSha256, requested.datasetSha256],
    ['weightsHash', existing.weightsHash, requested.weightsHash],
    ['schedule', existing.schedule, requested.schedule],
    ['f1Tokenizer', existing.f1Tokenizer, requested.f1Tokenizer],
    ['weightDtype', existing.weightDtype, requested.weightDtype],
  ];
  for (const [field, a, b] of ifBoth) if (a && b && a !== b) out.push({ field, existing: a, requested: b });
  return out;
}

/** Existing results belong to another run: appending would mix incomparable records. */
export class ResultsMismatchError extends Error {
  override name = 'ResultsMismatchError';
  constructor(
    readonly file: string,
    readonly differences: readonly HeaderDifference[],
  ) {
    const list = differences.map((d) => `  ${d.field}: existing ${JSON.stringify(d.existing)}, this run ${JSON.stringify(d.requested)}`).join('\n');
    super(
      `${file}: these results were written by a different run, so this run cannot resume into them:\n${list}\n` +
        'Write to another output directory, or delete this one to start over.',
    );
  }
}
