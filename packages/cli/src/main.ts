#!/usr/bin/env node
/**
 * The `crossedit` command: edit a model, evaluate methods on Bi-ZsRE, build statistics, convert
 * tokenizers, run the demo. Exit codes: 0 success, 1 failure, 2 usage error.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { helpText, parseCommand, type Command } from './args.js';
import { UsageError } from './backend.js';
import { COMMANDS } from './commands/index.js';
import { installLifeline } from './lifeline.js';

function topHelp(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'crossedit — edit the knowledge of multilingual LLMs and measure cross-lingual transfer',
    '',
    'usage: crossedit <command> [options]     (crossedit <command> --help for details)',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
  ].join('\n');
}

/** Runs the CLI on `argv` (without node and script) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${topHelp()}\n`);
    return name ? 0 : 2;
  }
  const cmd: Command | undefined = COMMANDS.find((c) => c.name === name);
  try {
    if (!cmd) throw new UsageError(`unknown command '${name}'\n\n${topHelp()}`);
    const { values, positionals, help } = parseCommand(cmd, rest);
    if (help) {
      process.stdout.write(`${helpText(cmd)}\n`);
      return 0;
    }
    return (await cmd.run(values, positionals)) ?? 0;
  } catch (e) {
    const err = e as Error;
    if (err instanceof UsageError) {
      process.stderr.write(`crossedit: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`crossedit ${name}: ${err.name && err.name !== 'Error' ? `${err.name}: ` : ''}${err.message}\n`);
    if (process.env.CROSSEDIT_DEBUG) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

/** Whether this module is the process's entry point (not merely imported). */
function isEntryPoint(): boolean {
  const arg = process.argv[1];
  if (!arg) return false;
  try {
    return realpathSync(arg) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

/**
 * Runs the CLI as a process: installs the lifeline (exit on SIGHUP/SIGTERM/SIGINT and when the parent
 * process goes), runs {@link main} and exits with its code.
 */
export function runCli(argv: string[]): void {
  installLifeline();
  main(argv).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`crossedit: ${(e as Error).stack ?? e}\n`);
      process.exit(1);
    },
  );
}

if (isEntryPoint()) runCli(process.argv.slice(2));
