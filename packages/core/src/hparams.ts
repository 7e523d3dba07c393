/** Hyperparameter schemas: defaults, per-field docs, unknown keys rejected. */
import { ConfigurationError } from './errors.js';

/** One field of a schema. */
export interface HparamField<T> {
  default: T;
  doc: string;
  /** Optional validation; returns an error message or null. */
  check?: (v: T) => string | null;
}

/** A schema for hyperparameters of type `H`. */
export type HparamSchema<H> = { readonly [K in keyof H]: HparamField<H[K]> };

/** Raised for unknown keys or values of the wrong type. */
export class HparamError extends ConfigurationError {
  override name = 'HparamError';
}

/**
 * Builds hyperparameters from the schema's defaults, then `presets`, then `overrides`. Unknown keys and
 * values whose type differs from the default's are rejected, naming the method and the key.
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
      const msg = f.check?.(v);
      if (msg) throw new HparamError(`${method}: hyperparameter '${k}': ${msg}`);
      out[k] = v;
    }
  }
  return out as H;
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Parses a `key=value` string from a command line: numbers, booleans, JSON arrays, else a string. */
export function parseHparamValue(raw: string): unknown {
  if (raw === 'true' || raw === 'false') return raw === 'true';
  if (raw !== '' && !Number.isNaN(Number(raw))) return Number(raw);
  if (raw.startsWith('[') || raw.startsWith('{')) return JSON.parse(raw);
  return raw;
}
