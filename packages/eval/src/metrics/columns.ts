/** The metric columns, in the paper's order: Reli., Gene. En, Gene. Zh, Loca. En, Loca. Zh, Port. En, Port. Zh. */

/** A metric column id: `reliability`, or a family and an evaluation language (`generality.zh`). */
export type MetricId = 'reliability' | `generality.${string}` | `locality.${string}` | `portability.${string}`;

/** The family of a metric. */
export type MetricFamily = 'reliability' | 'generality' | 'locality' | 'portability';

/** One column of the table. */
export interface MetricColumn {
  id: MetricId;
  family: MetricFamily;
  /** Evaluation language (`undefined` for reliability, which is in the source language). */
  lang?: string;
  /** Column title, as the paper prints it (`Gene. En`). */
  label: string;
}

const SHORT: Record<Exclude<MetricFamily, 'reliability'>, string> = { generality: 'Gene.', locality: 'Loca.', portability: 'Port.' };

/** `en` → `En`, `zh` → `Zh`, `pt-br` → `Pt-br`. */
export function langLabel(lang: string): string {
  return lang.charAt(0).toUpperCase() + lang.slice(1);
}

/**
 * The columns for two (or more) evaluation languages in the paper's order.
 * @example metricColumns(['en', 'zh']).map((c) => c.label)
 * // ['Reli.', 'Gene. En', 'Gene. Zh', 'Loca. En', 'Loca. Zh', 'Port. En', 'Port. Zh']
 */
export function metricColumns(langs: readonly string[]): MetricColumn[] {
  const cols: MetricColumn[] = [{ id: 'reliability', family: 'reliability', label: 'Reli.' }];
  for (const family of ['generality', 'locality', 'portability'] as const) {
    for (const lang of langs) cols.push({ id: `${family}.${lang}`, family, lang, label: `${SHORT[family]} ${langLabel(lang)}` });
  }
  return cols;
}

/** Splits a metric id into family and language; throws on anything else. */
export function parseMetricId(id: string): { family: MetricFamily; lang?: string } {
  if (id === 'reliability') return { family: 'reliability' };
  const m = /^(generality|locality|portability)\.(.+)$/.exec(id);
  if (!m) throw new Error(`unknown metric id ${JSON.stringify(id)} (expected reliability, generality.<lang>, locality.<lang> or portability.<lang>)`);
  return { family: m[1] as MetricFamily, lang: m[2] };
}
