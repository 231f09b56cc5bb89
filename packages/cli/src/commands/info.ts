import type { Command } from '../command.js';
import { stringOption } from '../command.js';
import { allVersions, initBackend, type BackendName } from '../backend.js';

/**
 * `seqgen info`: the backend that would be used (after --backend / SEQGEN_BACKEND), its threads,
 * the backends skipped and why, and the versions of node, tfjs and the @seqgen packages.
 */
export const infoCommand: Command = {
  path: ['info'],
  summary: 'print the compute backend, its threads and the versions in use',
  options: {},
  async run(args, io) {
    const skipped: Array<{ backend: BackendName; reason: string }> = [];
    const backend = await initBackend({
      requested: stringOption(args.values, 'backend'),
      onSkip: (name, reason) =>
        skipped.push({ backend: name, reason: reason instanceof Error ? (reason.message.split('\n')[0] ?? '') : String(reason) }),
    });
    const versions = allVersions();
    if (args.values.json === true) {
      const { name, source, threads, threadsNote, simd, patchedKernels } = backend;
      io.out.write(`${JSON.stringify({ backend: name, source, threads, threadsNote, simd, patchedKernels, skipped, versions })}\n`);
      return;
    }
    const lines = [
      `backend  ${backend.name} (${backend.source === 'auto' ? 'first that loaded' : `from ${backend.source === 'flag' ? '--backend' : 'SEQGEN_BACKEND'}`})`,
      `threads  ${backend.threads}: ${backend.threadsNote}`,
      ...(backend.simd === undefined ? [] : [`simd     ${backend.simd ? 'yes' : 'no'}`]),
      ...(backend.patchedKernels.length === 0 ? [] : [`kernels  seqgen's faster ${backend.patchedKernels.join(', ')}`]),
      ...skipped.map((s) => `skipped  ${s.backend}: ${s.reason}`),
      'versions',
      ...Object.entries(versions).map(([k, v]) => `  ${k.padEnd(30)} ${v}`),
    ];
    io.out.write(`${lines.join('\n')}\n`);
  },
};
