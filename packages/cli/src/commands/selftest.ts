import type { Command } from '../command.js';
import { stringOption } from '../command.js';
import { initBackend, selftest } from '../backend.js';

/** `seqgen selftest`: grad of sum(x·x) at [1, 2] must be [2, 4]; exit code 1 otherwise (STYLE.md §3). */
export const selftestCommand: Command = {
  path: ['selftest'],
  summary: 'check that gradients work on the chosen backend: d/dx sum(x*x) at [1, 2] = [2, 4]',
  options: {},
  async run(args, io) {
    const info = await initBackend({ requested: stringOption(args.values, 'backend') });
    const result = await selftest();
    if (args.values.json === true) {
      io.out.write(`${JSON.stringify({ ...result, threads: info.threads })}\n`);
    } else {
      io.out.write(
        `selftest on ${result.backend}: grad of sum(x*x) at [1, 2] = [${result.grad.join(', ')}] ` +
          `(expected [${result.expected.join(', ')}]) ${result.ok ? 'ok' : 'FAILED'}\n`,
      );
    }
    return result.ok ? 0 : 1;
  },
};
