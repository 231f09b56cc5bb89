export { main, helpText } from './main.js';
export type { Command, CommandIO, ParsedArgs } from './command.js';
