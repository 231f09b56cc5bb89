/**
 * The CLI's small command framework on top of node:util parseArgs. Each command lives in
 * its own file under commands/ and is listed once in commands/index.ts.
 */
import type { ParseArgsConfig } from 'node:util';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface CommandIO {
  /** Human-readable output (progress bars, tables). */
  out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Diagnostics. */
  err: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

export interface Command {
  /** Words that select the command, e.g. ['text', 'train']. */
  path: readonly string[];
  summary: string;
  /** Extra usage text shown by --help, after the generated option list. */
  usage?: string;
  options: OptionSpec;
  /** Help text per option name. */
  optionHelp?: Record<string, string>;
  allowPositionals?: boolean;
  run(args: ParsedArgs, io: CommandIO): Promise<number | void>;
}

/** Options every command accepts. */
export const globalOptions: OptionSpec = {
  help: { type: 'boolean', short: 'h' },
  verbose: { type: 'boolean' },
  json: { type: 'boolean' },
  backend: { type: 'string' },
  threads: { type: 'string' },
};

export const globalOptionHelp: Record<string, string> = {
  help: 'show this help',
  verbose: 'print stack traces and extra diagnostics',
  json: 'machine-readable output (JSON lines on stdout)',
  backend: 'compute backend: tensorflow | wasm | cpu (env SEQGEN_BACKEND); default: the first that loads',
  threads: 'wasm threads, 1-8; 1 = its single-threaded build (env SEQGEN_THREADS); default: half the cores, 1-4',
};

/** Reads a string option as a number, with a clear error. */
export function numberOption(values: ParsedArgs['values'], name: string, fallback: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n)) {
    throw new UsageError(`--${name} expects a number, got '${String(raw)}'`);
  }
  return n;
}

/** Reads a string option. */
export function stringOption(values: ParsedArgs['values'], name: string): string | undefined {
  const raw = values[name];
  return typeof raw === 'string' ? raw : undefined;
}

/** Wrong command line: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
