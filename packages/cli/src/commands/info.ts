import type { Command } from '../command.js';

/** Placeholder until the backend module lands: prints versions. */
export const infoCommand: Command = {
  path: ['info'],
  summary: 'print the compute backend, its threads and the versions in use',
  options: {},
  async run(_args, io) {
    io.out.write(`seqgen\nnode ${process.version}\n`);
  },
};
