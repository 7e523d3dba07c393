/** The command table. */
import type { Command } from '../args.js';
import { infoCommand } from './info.js';

export const COMMANDS: Command[] = [infoCommand];
