import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../main.js';

const tmp = mkdtempSync(join(tmpdir(), 'seqgen-hand-model-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough(), err = new PassThrough();
  let o = '', e = '';
  out.on('data', (d) => (o += d));
  err.on('data', (d) => (e += d));
  const code = await main([...argv, '--backend', 'cpu'], { out, err });
  return { code, out: o, err: e };
}

const trainLosses = (dir: string): number[] =>
  readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { kind: string; lossPerSequence: number })
    .filter((r) => r.kind === 'train')
    .map((r) => r.lossPerSequence);

describe('seqgen hand train | eval | write | plot', () => {
  const config = join(tmp, 'tiny.json');
  beforeAll(async () => {
    const prep = await run(['hand', 'data', 'prepare', '--lines', '24', '--writers', '3', '--out', join(tmp, 'data')]);
    expect(prep.code).toBe(0);
    writeFileSync(
      config,
      JSON.stringify({
        task: 'synthesis',
        model: { hiddenSizes: [8, 6], mixtures: 2, windowMixtures: 2 },
        data: { source: join(tmp, 'data', 'hershey.bin') },
        train: { batchSize: 4, steps: 4, evalEvery: 2, saveEvery: 2, validationLines: 2, maxPoints: 30, seed: 3, optimizer: { name: 'adam', learningRate: 0.01 } },
      }),
    );
  });

  it('retrains from a checkpoint with adaptive weight noise (paper §2.6) and resumes it exactly', async () => {
    const runs = join(tmp, 'runs-noise');
    const base = await run(['hand', 'train', '--config', config, '--runs', runs, '--name', 'base', '--steps', '2', '--json']);
    expect(base.code).toBe(0);
    const from = join(runs, 'base', 'latest');
    const common = ['hand', 'train', '--config', config, '--runs', runs, '--init-from', from, '--adaptive-noise', '0.075', '--json'];
    const straight = await run([...common, '--name', 'awn', '--steps', '4']);
    expect(straight.err).not.toMatch(/error/i);
    expect(straight.code).toBe(0);
    const validation = straight.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, number | string>).filter((r) => r.kind === 'validation');
    expect(validation.length).toBeGreaterThan(0);
    expect(validation[0]!.complexityNats).toBeGreaterThan(0);
    expect(validation[0]!.meanStd).toBeGreaterThan(0.05);
    const first = await run([...common, '--name', 'awn-resumed', '--steps', '2']);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    const second = await run(['hand', 'train', '--runs', runs, '--name', 'awn-resumed', '--resume', '--steps', '4', '--json']);
    expect(second.err).toBe('');
    expect(second.code).toBe(0);
    expect(trainLosses(join(runs, 'awn-resumed'))).toEqual(trainLosses(join(runs, 'awn')));
    // The noisy run's first loss differs from the noiseless continuation of the same weights.
    const plain = await run(['hand', 'train', '--config', config, '--runs', runs, '--init-from', from, '--name', 'plain', '--steps', '1', '--json']);
    expect(plain.code).toBe(0);
    expect(trainLosses(join(runs, 'plain'))[0]).not.toBe(trainLosses(join(runs, 'awn'))[0]);
    const bad = await run(['hand', 'train', '--config', config, '--runs', runs, '--name', 'bad', '--hidden', '5,5', '--init-from', from]);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/--init-from .*differs/);
  });

  it('resumes with a new learning rate (manual decay) and records it', async () => {
    const runs = join(tmp, 'runs-lr');
    expect((await run(['hand', 'train', '--config', config, '--runs', runs, '--name', 'a', '--steps', '2', '--json'])).code).toBe(0);
    const r = await run(['hand', 'train', '--runs', runs, '--name', 'a', '--resume', '--steps', '4', '--lr', '0.001', '--json']);
    expect(r.code).toBe(0);
    const records = readFileSync(join(runs, 'a', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.find((x) => x.kind === 'learning-rate')).toEqual({ kind: 'learning-rate', step: 2, from: 0.01, to: 0.001 });
    const saved = JSON.parse(readFileSync(join(runs, 'a', 'latest', 'model.json'), 'utf8')) as { training: { run: { train: { optimizer: { learningRate: number } } } } };
    expect(saved.training.run.train.optimizer.learningRate).toBe(0.001);
    const bad = await run(['hand', 'train', '--runs', runs, '--name', 'a', '--resume', '--steps', '5', '--lr', '0']);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/--lr expects/);
  });

  it('trains with checkpoints and resumes exactly', async () => {
    const runs = join(tmp, 'runs');
    const a = await run(['hand', 'train', '--config', config, '--runs', runs, '--name', 'straight', '--steps', '6', '--json']);
    expect(a.err).not.toMatch(/error/);
    expect(a.code).toBe(0);
    const b1 = await run(['hand', 'train', '--config', config, '--runs', runs, '--name', 'resumed', '--steps', '4', '--json']);
    expect(b1.code).toBe(0);
    const again = await run(['hand', 'train', '--config', config, '--runs', runs, '--name', 'resumed']);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/--resume/);
    const b2 = await run(['hand', 'train', '--runs', runs, '--name', 'resumed', '--resume', '--steps', '6', '--json']);
    expect(b2.code).toBe(0);
    expect(JSON.parse(b2.out.trim().split('\n').pop() as string)).toMatchObject({ kind: 'done', steps: 6 });
    const straight = trainLosses(join(runs, 'straight'));
    const resumed = trainLosses(join(runs, 'resumed'));
    expect(straight).toHaveLength(6);
    expect(resumed).toEqual(straight);
    for (const d of ['latest', 'best']) expect(existsSync(join(runs, 'straight', d, 'model.json'))).toBe(true);

    const model = join(runs, 'straight', 'latest');
    const ev = await run(['hand', 'eval', '--model', model, '--lines', '3', '--json']);
    expect(ev.code).toBe(0);
    const report = JSON.parse(ev.out) as { lines: number; nllPerSequence: number; nllPerPoint: number; ssePerPoint: number };
    expect(report.lines).toBe(3);
    expect(Number.isFinite(report.nllPerSequence) && Number.isFinite(report.ssePerPoint)).toBe(true);

    const svg = join(tmp, 'w.svg');
    const w = await run(['hand', 'write', 'ab c', '--model', model, '-o', svg, '--style', '1', '--json']);
    expect(w.err).toBe('');
    expect(w.code).toBe(0);
    expect(readFileSync(svg, 'utf8')).toMatch(/^<svg/);
    const written = JSON.parse(w.out) as { lines: Array<{ points: number; stop: string }> };
    expect(written.lines[0]!.points).toBeGreaterThan(0);
    const bad = await run(['hand', 'write', 'ab 7', '--model', model, '-o', svg]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/"7"/);
    const png = join(tmp, 'window.png');
    expect((await run(['hand', 'plot', 'window', 'ab', '--model', model, '-o', png])).code).toBe(0);
    expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
  }, 120_000);
});
