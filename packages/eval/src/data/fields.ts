/** Strict field readers for JSON datasets: each error names the file, the record index and the field. */
import { FormatError } from '@crossedit/core';

/** Where a value sits: the file, the record index and the dotted field path. */
export interface FieldPath {
  file: string;
  record: number;
  field: string;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  return `a ${typeof v}`;
}

/** The error for a bad field: `file: record 3, field "zh.alt": expected a non-empty string, got null`. */
export function fieldError(at: FieldPath, expected: string, ...got: [unknown?]): FormatError {
  const tail = got.length === 0 ? '' : `, got ${got[0] === undefined ? 'nothing (the key is missing)' : describe(got[0])}`;
  const where = at.field ? `record ${at.record}, field "${at.field}"` : `record ${at.record}`;
  return new FormatError(at.file, `${where}: expected ${expected}${tail}`);
}

/** Returns `v` as a plain object or throws naming the field. */
export function expectObject(v: unknown, at: FieldPath): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw fieldError(at, 'an object', v);
  return v as Record<string, unknown>;
}

/** Returns `obj[key]` as a string (non-empty unless `allowEmpty`) or throws naming the field. */
export function expectString(obj: Record<string, unknown>, key: string, at: FieldPath, allowEmpty = false): string {
  const v = obj[key];
  const path = { ...at, field: at.field ? `${at.field}.${key}` : key };
  if (typeof v !== 'string') throw fieldError(path, allowEmpty ? 'a string' : 'a non-empty string', v);
  if (!allowEmpty && v.trim() === '') throw fieldError(path, 'a non-empty string', v);
  return v;
}

/** Returns `obj[key]` as an array of strings or throws naming the field (and the element index). */
export function expectStringArray(obj: Record<string, unknown>, key: string, at: FieldPath): string[] {
  const v = obj[key];
  const path = { ...at, field: at.field ? `${at.field}.${key}` : key };
  if (!Array.isArray(v)) throw fieldError(path, 'an array of strings', v);
  v.forEach((x, i) => {
    if (typeof x !== 'string') throw fieldError({ ...path, field: `${path.field}[${i}]` }, 'a string', x);
  });
  return v as string[];
}

/** Throws when `obj` has keys outside `allowed` (the first unknown key is named). */
export function rejectExtraKeys(obj: Record<string, unknown>, allowed: readonly string[], at: FieldPath): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) {
      const field = at.field ? `${at.field}.${k}` : k;
      throw new FormatError(
        at.file,
        `record ${at.record}, field "${field}": unknown key (expected only ${allowed.join(', ')}; pass extraKeys: 'ignore' to accept it)`,
      );
    }
  }
}
