import { describe, expect, it } from 'vitest';
import { formatDuration, Progress } from './progress.js';

function sink(): NodeJS.WritableStream & { text: string } {
  const s = { text: '', write: (chunk: string) => ((s.text += chunk), true) };
  return s as unknown as NodeJS.WritableStream & { text: string };
}

describe('Progress', () => {
  it('reports rate and ETA from this session only when resuming', () => {
    let now = 0;
    const p = new Progress({ label: 'train', total: 1000, unit: 'steps', stream: sink(), initial: 500, now: () => now, silent: true });
    now = 10_000; // 10 s
    p.tick(100);
    const line = p.line();
    expect(line).toContain('600/1000 60%');
    expect(line).toContain('10.00 steps/s'); // 100 new steps in 10 s, not 600
    expect(line).toContain('eta 00:40'); // 400 left at 10 steps/s
  });

  it('never puts the ETA past a time limit', () => {
    let now = 0;
    const p = new Progress({ label: 'train', total: 1_000_000, unit: 'steps', stream: sink(), maxSeconds: 60, now: () => now, silent: true });
    now = 15_000;
    p.tick(10);
    expect(p.line()).toContain('eta 00:45');
  });

  it('formats durations', () => {
    expect(formatDuration(59.6)).toBe('01:00');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(NaN)).toBe('--:--');
  });
});
