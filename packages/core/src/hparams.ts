/** Hyperparameter schemas: defaults, per-field docs, unknown keys, non-finite and out-of-range values rejected. */
import { ConfigurationError } from './errors.js';

/** One field of a schema. */
export interface HparamField<T> {
  default: T;
  doc: string;
  /** Optional validation; returns an error message or null. */
  check?: (v: T) => string | null;
  /** Smallest allowed value of a number (or of each number of a list), inclusive. */
  min?: number;
  /** Largest allowed value of a number (or of each number of a list), inclusive. */
  max?: number;
  /** The number (or each number of a list) must be an integer. */
  integer?: boolean;
  /**
   * The value (a number or a list of numbers) names decoder layers: {@link checkHparamsForModel} requires
   * each to be an integer in `[0, numLayers)` of the loaded model.
   */
  layerIndices?: boolean;
}

/** A schema for hyperparameters of type `H`. */
export type HparamSchema<H> = { readonly [K in keyof H]: HparamField<H[K]> };

/** Raised for unknown keys or values of the wrong type. */
export class HparamError extends ConfigurationError {
  override name = 'HparamError';
}

/** Every number inside `v` (itself, or the elements of nested arrays / object values). */
function numbersIn(v: unknown, out: number[] = []): number[] {
  if (typeof v === 'number') out.push(v);
  else if (Array.isArray(v)) for (const x of v) numbersIn(x, out);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) numbersIn(x, out);
  return out;
}

/** The range problem of a value against a field's `min`/`max`/`integer`, or null. */
function rangeProblem(f: HparamField<unknown>, v: unknown): string | null {
  for (const n of numbersIn(v)) {
    if (!Number.isFinite(n)) return `must be a finite number, got ${n}`;
    if (f.integer && !Number.isInteger(n)) return `must be an integer, got ${n}`;
    if (f.min !== undefined && n < f.min) return `must be >= ${f.min}, got ${n}`;
    if (f.max !== undefined && n > f.max) return `must be <= ${f.max}, got ${n}`;
  }
  return null;
}

/**
 * Builds hyperparameters from the schema's defaults, then `presets`, then `overrides`. Unknown keys,
 * values whose type differs from the default's, non-finite numbers (`Infinity`, `NaN`), and numbers
 * outside a field's `min`/`max`/`integer` are rejected, naming the method and the key.
 * @throws HparamError naming the method, the key and what was expected.
 */
export function parseHparams<H>(method: string, schema: HparamSchema<H>, ...layers: (Partial<Record<string, unknown>> | undefined)[]): H {
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(schema) as [string, HparamField<unknown>][]) out[k] = structuredClone(f.default);
  for (const layer of layers) {
    if (!layer) continue;
    for (const [k, v] of Object.entries(layer)) {
      if (v === undefined) continue;
      const f = (schema as Record<string, HparamField<unknown> | undefined>)[k];
      if (!f) {
        throw new HparamError(`${method}: unknown hyperparameter '${k}' (known: ${Object.keys(schema).join(', ')})`);
      }
      const want = kindOf(f.default);
      if (want !== 'null' && kindOf(v) !== want) {
        throw new HparamError(`${method}: hyperparameter '${k}' must be ${want}, got ${JSON.stringify(v)}`);
      }
      const msg = rangeProblem(f, v) ?? f.check?.(v);
      if (msg) throw new HparamError(`${method}: hyperparameter '${k}': ${msg}`);
      out[k] = v;
    }
  }
  return out as H;
}

/**
 * Checks hyperparameters against the loaded model, before any edit: every field marked `layerIndices`
 * must hold integers in `[0, numLayers)`.
 * @throws HparamError naming the method, the key, the bad index and the model's layer count.
 * @example checkHparamsForModel('rome', ROME_HPARAMS, { ...h, layers: [99] }, { numLayers: 4 }) // throws
 */
export function checkHparamsForModel<H>(method: string, schema: HparamSchema<H>, hparams: H, model: { numLayers: number }): void {
  for (const [k, f] of Object.entries(schema) as [string, HparamField<unknown>][]) {
    if (!f.layerIndices) continue;
    const bad = numbersIn((hparams as Record<string, unknown>)[k]).find((n) => !Number.isInteger(n) || n < 0 || n >= model.numLayers);
    if (bad !== undefined) {
      throw new HparamError(`${method}: hyperparameter '${k}': layer ${bad} does not exist (the model has ${model.numLayers} layers, 0-${model.numLayers - 1})`);
    }
  }
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/**
 * Parses a `key=value` string from a command line: numbers, booleans, JSON arrays/objects, else a string.
 * @param key named in the error of a bad JSON value
 * @throws HparamError for a value that starts like JSON (`[` or `{`) but does not parse.
 */
export function parseHparamValue(raw: string, key?: string): unknown {
  if (raw === 'true' || raw === 'false') return raw === 'true';
  if (raw !== '' && !Number.isNaN(Number(raw))) return Number(raw);
  if (raw.startsWith('[') || raw.startsWith('{')) {
    try {
      return JSON.parse(raw);
    } catch (e) {
      const what = key === undefined ? 'hyperparameter value' : `hyperparameter '${key}'`;
      throw new HparamError(`${what}: ${JSON.stringify(raw)} is not valid JSON (${(e as Error).message}); write a list like [1,2]`);
    }
  }
  return raw;
}
