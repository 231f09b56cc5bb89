/**
 * Test helper of the data-parallel tests: runs a .ts script under tsx (with the source export condition) in a
 * child process and reports its output, exit and how long it took to exit after its last output.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const packageDir = fileURLToPath(new URL('../..', import.meta.url));

/** What {@link runChild} reports. */
export interface ChildRun {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: string | null;
  /** Milliseconds from the last stdout/stderr output to the process end. */
  exitAfterMs: number;
}

/** Runs `script` with `args` from the package folder; killed after `killAfterMs` (which fails exit assertions). */
export function runChild(script: string, args: string[], killAfterMs = 40_000): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', '--conditions=@seqgen/source', script, ...args], { cwd: packageDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let lastOutput = performance.now();
    proc.stdout.on('data', (d: Buffer) => ((stdout += d.toString()), (lastOutput = performance.now())));
    proc.stderr.on('data', (d: Buffer) => ((stderr += d.toString()), (lastOutput = performance.now())));
    const timer = setTimeout(() => proc.kill('SIGKILL'), killAfterMs);
    proc.on('error', reject);
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code, signal, exitAfterMs: performance.now() - lastOutput });
    });
  });
}
