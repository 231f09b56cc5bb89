/**
 * Every CLI command, listed once. Add a command by writing commands/<name>.ts that exports a
 * `Command` and adding it here.
 */
import type { Command } from '../command.js';
import { infoCommand } from './info.js';

export const commands: readonly Command[] = [infoCommand];
