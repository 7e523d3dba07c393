/** The command table. */
import type { Command } from '../args.js';
import { demoCommand } from './demo.js';
import { editCommand } from './edit.js';
import { evalCommand } from './eval.js';
import { infoCommand } from './info.js';
import { statsCommand } from './stats.js';
import { trainCommand } from './train.js';
import { trainEditorCommand } from './train-editor.js';
import { tokenizerCommand } from './tokenizer.js';

export const COMMANDS: Command[] = [demoCommand, editCommand, evalCommand, statsCommand, trainCommand, trainEditorCommand, tokenizerCommand, infoCommand];
