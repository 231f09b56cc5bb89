/**
 * Built-in styles: primings stored with a model (validation lines of distinct writers), and line statistics.
 */
import type { HandwritingLine } from '@seqgen/datasets';

/** A stored priming line: its text, writer and normalised offsets. */
export interface StoredStyle {
  text: string;
  writer: string;
  offsets: number[];
}

/** Median points per character over lines. */
export function pointsPerChar(lines: readonly HandwritingLine[]): number {
  const r = lines.map((l) => l.offsets.length / 3 / Math.max(1, l.text.length)).sort((a, b) => a - b);
  return r.length ? (r[Math.floor(r.length / 2)] as number) : 0;
}

/** Up to `count` lines of distinct writers (first seen, in order), as stored styles (offsets rounded to 1e-4). */
export function pickStyles(lines: readonly HandwritingLine[], count: number): StoredStyle[] {
  const seen = new Set<string>();
  const out: StoredStyle[] = [];
  for (const l of lines) {
    const writer = l.writer ?? l.id;
    if (seen.has(writer) || l.text.length < 12) continue;
    seen.add(writer);
    out.push({ text: l.text, writer, offsets: Array.from(l.offsets, (v) => Math.round(v * 1e4) / 1e4) });
    if (out.length >= count) break;
  }
  return out;
}
