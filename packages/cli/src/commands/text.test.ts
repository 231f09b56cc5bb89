import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../main.js';

const tmp = mkdtempSync(join(tmpdir(), 'seqgen-text-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let o = '';
  let e = '';
  out.on('data', (d) => (o += d));
  err.on('data', (d) => (e += d));
  const code = await main(argv, { out, err });
  return { code, out: o, err: e };
}

const corpusFile = join(tmp, 'corpus.txt');
writeFileSync(corpusFile, 'the cat sat on the mat. the dog sat on the log.\n'.repeat(60));
const otherFile = join(tmp, 'other.txt');
writeFileSync(otherFile, 'ZYXW VUTS 0123 qqq!\n'.repeat(200));
const tiny = ['--backend', 'cpu', '--runs', join(tmp, 'runs'), '--hidden', '8', '--batch-size', '2', '--seq-length', '10', '--validate-symbols', '200', '--sample-length', '20'];

describe('seqgen text train | eval | sample', () => {
  it('trains, writes best/latest/metrics, resumes, evaluates (static + dynamic) and samples; --json gives JSON lines', async () => {
    const r = await run(['text', 'train', '--data', `text:${corpusFile}`, '--name', 'tiny', '--steps', '4', '--validate-every', '2', ...tiny, '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const events = r.out.trim().split('\n').map((l) => JSON.parse(l) as { event: string; [k: string]: unknown });
    // 'schedule': the default config's learning-rate decay, fitted to --steps 4.
    expect(events.map((e) => e.event)).toEqual(['start', 'schedule', 'validate', 'validate', 'done']);
    expect(events[1]).toMatchObject({ event: 'schedule', decaySteps: 4 });
    const done = events[4] as unknown as { steps: number; valid: { bitsPerSymbol: number }; test: { bitsPerSymbol: number }; sample: string };
    expect(done.steps).toBe(4);
    expect(done.test.bitsPerSymbol).toBeGreaterThan(0);
    expect(done.sample.length).toBeGreaterThan(0);
    const runDir = join(tmp, 'runs', 'tiny');
    for (const f of ['latest/model.json', 'latest/weights.bin', 'best/model.json', 'metrics.jsonl', 'run.json']) expect(existsSync(join(runDir, f)), f).toBe(true);

    // A second run with the same explicit name is refused (the checkpoints are not overwritten).
    const again = await run(['text', 'train', '--data', `text:${corpusFile}`, '--name', 'tiny', '--steps', '2', ...tiny]);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/already holds a run; continue it with --resume/);

    const resumed = await run(['text', 'train', '--name', 'tiny', '--resume', '--steps', '6', '--backend', 'cpu', '--runs', join(tmp, 'runs'), '--skip-final-eval', '--sample-length', '0']);
    expect(resumed.code).toBe(0);
    expect(resumed.err).toMatch(/resuming at update 4/);
    expect(resumed.err).toMatch(/stopped after 6 updates/);

    const ev = await run(['text', 'eval', '--checkpoint', runDir, '--backend', 'cpu', '--dynamic', 'both', '--max-symbols', '100', '--stat-batches', '2', '--json']);
    expect(ev.err).toBe('');
    expect(ev.code).toBe(0);
    const results = (JSON.parse(ev.out) as { results: Array<{ name: string; bitsPerSymbol: number; symbols: number }> }).results;
    expect(results.map((x) => x.name)).toEqual(['static', 'dynamic sgd', 'dynamic krause']);
    expect(results.every((x) => x.symbols === 100)).toBe(true);

    const s1 = await run(['text', 'sample', '--checkpoint', runDir, '--backend', 'cpu', '--length', '30', '--prime', 'the ', '--seed', '3']);
    const s2 = await run(['text', 'sample', '--checkpoint', runDir, '--backend', 'cpu', '--length', '30', '--prime', 'the ', '--seed', '3']);
    expect(s1.code).toBe(0);
    expect(s1.out).toBe(s2.out);
    expect(s1.out.length).toBeGreaterThan(10);
    // The fast path (default) and the tfjs path give the same text for the same seed; --json/--verbose say which ran.
    const sampleArgs = ['text', 'sample', '--checkpoint', runDir, '--backend', 'cpu', '--length', '30', '--prime', 'the ', '--seed', '3'];
    type SampleJson = { text: string; path: string; kernel: string | null; symbolsPerSecond: number };
    const fastJson = JSON.parse((await run([...sampleArgs, '--json'])).out) as SampleJson;
    const tfjsJson = JSON.parse((await run([...sampleArgs, '--json', '--path', 'tfjs'])).out) as SampleJson;
    expect([fastJson.path, fastJson.kernel, tfjsJson.path, tfjsJson.kernel]).toEqual(['fast', 'wasm-simd', 'tfjs', null]);
    expect(fastJson.text).toBe(tfjsJson.text);
    expect(`${fastJson.text}\n`).toBe(s1.out);
    expect(fastJson.symbolsPerSecond).toBeGreaterThan(0);
    const verbose = await run([...sampleArgs, '--verbose']);
    expect(verbose.err).toMatch(/^sampled 30 symbols in [\d.]+ s \(\d+ symbols\/s, batch 1, fast path \(typed-array LSTM, wasm-simd kernel\)\)\n$/);
    expect((await run([...sampleArgs, '--path', 'gpu'])).err).toMatch(/--path expects auto, fast or tfjs, got 'gpu'/);
  });

  it('--lr-schedule: a linear decay over --steps (logged), checkpoints every 2 updates, the final weights vs best on the full validation split', async () => {
    const r = await run(['text', 'train', '--data', `text:${corpusFile}`, '--name', 'sched', '--steps', '7', '--validate-every', '2', '--save-every', '2', '--lr-schedule', 'linear:run:0.1', ...tiny, '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const runDir = join(tmp, 'runs', 'sched');
    const metrics = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: string; decaySteps?: number });
    expect(metrics.filter((m) => m.event === 'schedule').map((m) => m.decaySteps)).toEqual([7]);
    const done = JSON.parse(r.out.trim().split('\n').at(-1) as string) as { steps: number; best: { step: number }; evaluated: { step: number; weights: string } };
    expect(done.steps).toBe(7);
    // The model evaluated is the best checkpoint or the final weights (update 7), whichever the full split prefers;
    // runs/<name>/best then holds it.
    expect([done.best.step, 7]).toContain(done.evaluated.step);
    const bestJson = JSON.parse(readFileSync(join(runDir, 'best', 'model.json'), 'utf8')) as { training: { run: { step: number; decaySteps: number } } };
    expect(bestJson.training.run.step).toBe(done.evaluated.step);
    const latestJson = JSON.parse(readFileSync(join(runDir, 'latest', 'model.json'), 'utf8')) as { training: { run: { step: number; decaySteps: number } } };
    expect(latestJson.training.run).toMatchObject({ step: 7, decaySteps: 7 });
    const bad = await run(['text', 'train', '--data', `text:${corpusFile}`, '--name', 'sched-bad', '--steps', '2', '--lr-schedule', 'linear:run:0', ...tiny]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--lr-schedule expects constant \| half-life:<updates> \| linear.*got 'linear:run:0'/);
  });

  it('ends bad input with a clear message and exit 1, no stack trace, and never damages a checkpoint', async () => {
    const noStack = (err: string): void => {
      expect(err).not.toMatch(/\n\s+at /);
    };
    const missing = await run(['text', 'train', '--data', `text:${join(tmp, 'nope.txt')}`, '--name', 'm', ...tiny]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/nope\.txt/);
    noStack(missing.err);

    const emptyFile = join(tmp, 'empty.txt');
    writeFileSync(emptyFile, '');
    const empty = await run(['text', 'train', '--data', `text:${emptyFile}`, '--name', 'e', ...tiny]);
    expect(empty.code).toBe(1);
    expect(empty.err).toMatch(/empty/i);
    noStack(empty.err);

    const binFile = join(tmp, 'binary.dat');
    writeFileSync(binFile, Buffer.from([0x41, 0x42, 0x00, 0xff, 0xfe, 0x00, 0x01, 0x02]));
    const binary = await run(['text', 'train', '--data', `text:${binFile}`, '--name', 'b', ...tiny]);
    expect(binary.code).toBe(1);
    expect(binary.err).toMatch(/binary\.dat/);
    noStack(binary.err);

    // A checkpoint evaluated on data with another vocabulary.
    const runDir = join(tmp, 'runs', 'tiny');
    const mismatch = await run(['text', 'eval', '--checkpoint', runDir, '--backend', 'cpu', '--data', `text:${otherFile}`]);
    expect(mismatch.code).toBe(1);
    expect(mismatch.err).toMatch(/vocabulary of .* does not match the data text:/);
    noStack(mismatch.err);

    // A corrupt checkpoint: eval and resume refuse it, and the files stay byte-identical.
    const corruptDir = join(tmp, 'runs', 'corrupt');
    mkdirSync(join(corruptDir, 'latest'), { recursive: true });
    const model = readFileSync(join(runDir, 'latest', 'model.json'));
    const weights = Buffer.from(readFileSync(join(runDir, 'latest', 'weights.bin')));
    weights[100] = (weights[100] as number) ^ 0xff;
    writeFileSync(join(corruptDir, 'latest', 'model.json'), model);
    writeFileSync(join(corruptDir, 'latest', 'weights.bin'), weights);
    const badEval = await run(['text', 'eval', '--checkpoint', join(corruptDir, 'latest'), '--backend', 'cpu']);
    expect(badEval.code).toBe(1);
    expect(badEval.err).toMatch(/corrupt: crc32/);
    noStack(badEval.err);
    const badResume = await run(['text', 'train', '--name', 'corrupt', '--resume', '--backend', 'cpu', '--runs', join(tmp, 'runs')]);
    expect(badResume.code).toBe(1);
    expect(badResume.err).toMatch(/corrupt/);
    expect(readFileSync(join(corruptDir, 'latest', 'weights.bin')).equals(weights)).toBe(true);
    expect(readFileSync(join(corruptDir, 'latest', 'model.json')).equals(model)).toBe(true);

    const garbage = join(tmp, 'garbage');
    mkdirSync(garbage, { recursive: true });
    writeFileSync(join(garbage, 'model.json'), '{not json');
    const bad = await run(['text', 'sample', '--checkpoint', garbage, '--backend', 'cpu']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/model.json is not valid JSON/);
    noStack(bad.err);
  });
});
