/**
 * Entry point shared by bin.ts and tests: dispatches argv to a command and turns every
 * failure into a clear message and an exit code (1 runtime error, 2 usage error).
 */
import { parseArgs } from 'node:util';
import { SeqgenError } from '@seqgen/core';
import { globalOptionHelp, globalOptions, UsageError, type Command, type CommandIO } from './command.js';
import { commands } from './commands/index.js';
import { withGlobalBackendOptions } from './backend.js';

const hints: Record<string, string> = {
  shape: 'the data or checkpoint does not fit the model; check sizes and vocabularies',
  config: 'check the config file and the command-line options',
  'dataset-parse': 'the data file is not in the expected format; --skip-bad skips bad items where supported',
  checkpoint: 'the checkpoint is missing, corrupt or of another kind; nothing was overwritten',
  backend: 'run `seqgen info` to see which backends load here',
  input: 'check the input you gave',
};

function findCommand(argv: readonly string[]): { command: Command | undefined; rest: string[] } {
  let best: Command | undefined;
  for (const command of commands) {
    const n = command.path.length;
    if (n <= argv.length && command.path.every((w, i) => argv[i] === w)) {
      if (!best || n > best.path.length) best = command;
    }
  }
  return { command: best, rest: best ? argv.slice(best.path.length) : [...argv] };
}

export function helpText(command?: Command): string {
  if (!command) {
    const width = Math.max(...commands.map((c) => c.path.join(' ').length));
    const lines = commands.map((c) => `  seqgen ${c.path.join(' ').padEnd(width)}  ${c.summary}`);
    return [
      'seqgen: Graves (2013) sequence generation for JavaScript',
      '',
      'Usage: seqgen <command> [options]',
      '',
      'Commands:',
      ...lines,
      '',
      'Run `seqgen <command> --help` for the options of one command.',
    ].join('\n');
  }
  const options = { ...command.options, ...globalOptions };
  const help = { ...globalOptionHelp, ...command.optionHelp };
  const rows = Object.entries(options).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.type === 'string' ? ' <value>' : ''}`;
    return [flag, help[name] ?? ''] as const;
  });
  const width = Math.max(...rows.map((r) => r[0].length));
  return [
    `seqgen ${command.path.join(' ')}: ${command.summary}`,
    '',
    'Options:',
    ...rows.map(([f, h]) => `  ${f.padEnd(width)}  ${h}`),
    ...(command.usage ? ['', command.usage] : []),
  ].join('\n');
}

export async function main(argv: readonly string[], io: CommandIO): Promise<number> {
  const { command, rest } = findCommand(argv);
  if (!command) {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
      io.out.write(`${helpText()}\n`);
      return 0;
    }
    io.err.write(`seqgen: unknown command '${argv.join(' ')}'\n\n${helpText()}\n`);
    return 2;
  }
  let verbose = rest.includes('--verbose');
  try {
    let parsed;
    try {
      parsed = parseArgs({
        args: rest,
        options: { ...command.options, ...globalOptions },
        allowPositionals: command.allowPositionals ?? false,
        strict: true,
      });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    if (parsed.values.help) {
      io.out.write(`${helpText(command)}\n`);
      return 0;
    }
    verbose = parsed.values.verbose === true;
    const threads = typeof parsed.values.threads === 'string' ? parsed.values.threads : undefined;
    const onThreadsFallback = (message: string): void => void io.err.write(`seqgen: ${message}\n`);
    const code = await withGlobalBackendOptions({ threads, onThreadsFallback }, () =>
      command.run(parsed as { values: Record<string, never>; positionals: string[] }, io),
    );
    return code ?? 0;
  } catch (error) {
    return reportError(error, command, io, verbose);
  }
}

export function reportError(error: unknown, command: Command | undefined, io: CommandIO, verbose: boolean): number {
  const name = command ? `seqgen ${command.path.join(' ')}` : 'seqgen';
  if (error instanceof UsageError) {
    io.err.write(`${name}: ${error.message}\nRun \`${name} --help\` for usage.\n`);
    return 2;
  }
  if (SeqgenError.isInstance(error)) {
    io.err.write(`${name}: error: ${error.message}\n`);
    const hint = hints[error.code];
    if (hint) io.err.write(`hint: ${hint}\n`);
  } else if (isNodeFsError(error)) {
    io.err.write(`${name}: error: ${error.message}\n`);
  } else {
    io.err.write(`${name}: error: ${error instanceof Error ? error.message : String(error)}\n`);
    if (!verbose) io.err.write('(run again with --verbose for the stack trace)\n');
  }
  if (verbose && error instanceof Error && error.stack) io.err.write(`${error.stack}\n`);
  return 1;
}

function isNodeFsError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && 'syscall' in error;
}
