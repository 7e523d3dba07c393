/** The command table. */
import type { Command } from '../args.js';
import { editCommand } from './edit.js';
import { evalCommand } from './eval.js';
import { infoCommand } from './info.js';
import { tokenizerCommand } from './tokenizer.js';

export const COMMANDS: Command[] = [editCommand, evalCommand, tokenizerCommand, infoCommand];
