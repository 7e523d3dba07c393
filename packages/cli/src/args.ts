/** Small helpers over `node:util` parseArgs: typed options, `--help` text, clear usage errors. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './backend.js';

/** A command's option definition with help text. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  help: string;
  default?: string | boolean;
  /** Placeholder shown in help, e.g. `DIR`. */
  arg?: string;
}

/** A subcommand. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
  run(values: Record<string, string | boolean | string[] | undefined>, positionals: string[]): Promise<number | void>;
}

/** Renders a command's help. */
export function helpText(cmd: Command): string {
  const lines = [`crossedit ${cmd.name} — ${cmd.summary}`, '', `usage: crossedit ${cmd.usage}`, '', 'options:'];
  const all = { ...cmd.options, help: { type: 'boolean', short: 'h', help: 'show this help' } as OptionSpec };
  for (const [name, o] of Object.entries(all)) {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.arg ?? 'VALUE'}` : ''}`;
    const def = o.default !== undefined ? ` (default: ${o.default})` : '';
    lines.push(`  ${flag.padEnd(30)} ${o.help}${o.multiple ? ' (repeatable)' : ''}${def}`);
  }
  return lines.join('\n');
}

/** Parses argv for a command; throws UsageError on unknown flags. */
export function parseCommand(cmd: Command, argv: string[]): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[]; help: boolean } {
  const options: ParseArgsConfig['options'] = { help: { type: 'boolean', short: 'h' } };
  for (const [name, o] of Object.entries(cmd.options)) {
    options[name] = {
      type: o.type,
      ...(o.short ? { short: o.short } : {}),
      ...(o.multiple ? { multiple: true } : {}),
      ...(o.default !== undefined ? { default: o.default as never } : {}),
    };
  }
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as Record<string, string | boolean | string[] | undefined>, positionals, help: !!values.help };
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n\n${helpText(cmd)}`);
  }
}

/** Reads a required string option or throws a usage error naming it. */
export function required(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`missing --${name}`);
  return v;
}

/**
 * Reads an optional integer option `>= min`; `undefined` when absent.
 * @throws UsageError naming the flag and the value.
 */
export function intOption(values: Record<string, unknown>, name: string, min: number): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const s = String(v).trim();
  const n = /^[+-]?\d+$/.test(s) ? Number(s) : NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min} (got '${v}')`);
  return n;
}

const LANGUAGE_NAMES = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });

/**
 * Reads a language option: a BCP 47 code of a known language (`en`, `zh`, `pt-BR`).
 * @throws UsageError naming the flag and the value.
 */
export function languageOption(values: Record<string, unknown>, name: string): string {
  const v = String(values[name] ?? '');
  let known: string | undefined;
  try {
    known = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(v) ? LANGUAGE_NAMES.of(v) : undefined;
  } catch {
    known = undefined;
  }
  if (!known) throw new UsageError(`--${name} must be a language code such as en or zh (got '${v}')`);
  return v;
}
