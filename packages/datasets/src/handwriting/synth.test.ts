import { describe, expect, it } from 'vitest';
import { loadHersheyFonts } from '../node/hershey-source.js';
import { buildHandwritingDataset, generateSyntheticLines, synthTextLines } from './dataset.js';
import { seededRandom } from './random.js';
import { writeLine } from './synth.js';
import { writerStyle } from './writer-style.js';

const fonts = loadHersheyFonts();
const texts = synthTextLines([
  'The Fulton County Grand Jury said Friday an investigation of recent primary elections produced no evidence.',
  'It is a far cry from the days when the quick brown fox jumped over the lazy dog, and nobody wrote letters by hand any more.',
]);
const points = (strokes: { x: Float32Array }[]): number => strokes.reduce((n, s) => n + s.x.length, 0);

describe('synthetic handwriting from Hershey fonts', () => {
  it('parses the single-stroke fonts', () => {
    expect(fonts.scripts?.glyphs.size).toBe(95);
    expect(fonts.futural.glyphs.get('a')?.strokes.length).toBe(2);
  });

  it('is deterministic under a seed and differs across seeds', () => {
    const style = writerStyle(3, 42);
    expect(writerStyle(3, 42)).toEqual(style);
    const a = writeLine('hello world', fonts, style, seededRandom(7));
    const b = writeLine('hello world', fonts, style, seededRandom(7));
    const c = writeLine('hello world', fonts, style, seededRandom(8));
    expect(a).toEqual(b);
    expect(a[0]?.x).not.toEqual(c[0]?.x);
  });

  it('has 20-30 points per letter on average, at a realistic speed, with pen lifts', () => {
    const lines = generateSyntheticLines(texts, fonts, { count: 60, writers: 20, seed: 1 });
    let n = 0, letters = 0, duration = 0, strokes = 0, words = 0;
    for (const line of lines) {
      n += points(line.strokes);
      letters += line.text.replace(/ /g, '').length;
      words += line.text.split(' ').length;
      strokes += line.strokes.length;
      const first = line.strokes[0]?.time[0] as number;
      const last = line.strokes[line.strokes.length - 1] as { time: Float64Array };
      duration += (last.time[last.time.length - 1] as number) - first;
    }
    const perLetter = n / letters;
    expect(perLetter).toBeGreaterThan(20);
    expect(perLetter).toBeLessThan(30);
    const lettersPerSecond = letters / duration;
    expect(lettersPerSecond).toBeGreaterThan(1.2);
    expect(lettersPerSecond).toBeLessThan(3.5);
    // At least one pen lift per word, fewer than one per letter on average (joins).
    expect(strokes).toBeGreaterThan(words);
    expect(strokes).toBeLessThan(letters * 1.5);
  });

  it('gives writers distinct, measurable styles', () => {
    const widths = [0, 1, 2, 3, 4, 5].map((w) => {
      const s = writeLine('minimum', fonts, writerStyle(w, 5), seededRandom(1));
      const xs = s.flatMap((t) => Array.from(t.x));
      return Math.max(...xs) - Math.min(...xs);
    });
    expect(Math.max(...widths) / Math.min(...widths)).toBeGreaterThan(1.3);
    const styles = Array.from({ length: 50 }, (_, w) => writerStyle(w, 0));
    expect(new Set(styles.map((s) => s.font)).size).toBe(3);
    const slants = styles.map((s) => s.slant);
    expect(Math.max(...slants) - Math.min(...slants)).toBeGreaterThan(0.3);
  });

  it('writes a thousand lines in a few seconds and prepares them', () => {
    const t0 = performance.now();
    const lines = generateSyntheticLines(texts, fonts, { count: 1000, writers: 50, seed: 2 });
    const ms = performance.now() - t0;
    expect(ms).toBeLessThan(8000);
    const { dataset, report } = buildHandwritingDataset(lines.map((l, i) => ({ ...l, writer: l.writer.id, split: i % 8 === 0 ? 'validation' : 'train' })), { source: 'hershey' });
    expect(report.removedSteps).toBe(0);
    expect(dataset.lines).toHaveLength(1000);
    const train = dataset.lines.filter((l) => l.split === 'train');
    let sx = 0, count = 0;
    for (const l of train) for (let r = 1; r < l.offsets.length / 3; r++) { sx += l.offsets[r * 3] as number; count++; }
    expect(Math.abs(sx / count)).toBeLessThan(1e-3);
  });
});
