/**
 * IAM-OnDB file formats (shared/anchors.md §2.3): lineStrokes XML (`WhiteboardCaptureSession` / `StrokeSet` /
 * `Stroke` / `Point@x,y,time`), ascii transcriptions (text lines after `CSR:`), the IAM-OnDB-t1 split files
 * (one form id per line), and writers for the same formats so synthetic data exercises the same reader path.
 */
import { DatasetParseError } from '../errors.js';
import type { Stroke } from './types.js';
import { parseXml, type XmlElement } from './xml.js';

/** What {@link parseLineStrokes} found besides the strokes. */
export interface LineStrokesResult {
  strokes: Stroke[];
  /** Number of `Stroke` elements without any `Point` (dropped). */
  emptyStrokes: number;
}

/**
 * Reads one lineStrokes file (e.g. `lineStrokes/a01/a01-000/a01-000u-01.xml`): the points of every `Stroke` in
 * the first `StrokeSet`, in file order. Empty strokes are dropped and counted; a point needs numeric `x` and `y`;
 * a missing or non-numeric `time` becomes NaN.
 * @throws {@link DatasetParseError} for malformed XML, a wrong root, no `StrokeSet`, or a bad `Point`.
 */
export function parseLineStrokes(source: string, file: string): LineStrokesResult {
  const root = parseXml(source, file);
  if (root.name !== 'WhiteboardCaptureSession') {
    throw new DatasetParseError({ file, line: root.line }, `expected root element <WhiteboardCaptureSession>, got <${root.name}>`);
  }
  const set = root.children.find((c) => c.name === 'StrokeSet');
  if (!set) throw new DatasetParseError({ file, line: root.line }, 'expected a <StrokeSet> element inside <WhiteboardCaptureSession>');
  const strokes: Stroke[] = [];
  let emptyStrokes = 0;
  for (const element of set.children) {
    if (element.name !== 'Stroke') continue;
    const points = element.children.filter((c) => c.name === 'Point');
    if (points.length === 0) {
      emptyStrokes++;
      continue;
    }
    strokes.push(readStroke(points, file));
  }
  return { strokes, emptyStrokes };
}

function readStroke(points: XmlElement[], file: string): Stroke {
  const x = new Float32Array(points.length);
  const y = new Float32Array(points.length);
  const time = new Float64Array(points.length);
  points.forEach((p, i) => {
    x[i] = numberAttribute(p, 'x', file);
    y[i] = numberAttribute(p, 'y', file);
    const t = p.attributes.time;
    const value = t === undefined || t.trim() === '' ? NaN : Number(t);
    time[i] = Number.isFinite(value) ? value : NaN;
  });
  return { x, y, time };
}

function numberAttribute(element: XmlElement, key: string, file: string): number {
  const raw = element.attributes[key];
  if (raw === undefined) throw new DatasetParseError({ file, line: element.line }, `<Point> without attribute ${key}: expected x, y and time`);
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value)) {
    throw new DatasetParseError({ file, line: element.line }, `<Point> attribute ${key}="${raw}" is not a number`);
  }
  return value;
}

/**
 * Reads an ascii transcription (`ascii/a01/a01-000/a01-000u.txt`): the non-blank lines after the `CSR:` line,
 * trimmed, with `&quot;`, `&apos;`, `&amp;` unescaped. The i-th line belongs to lineStrokes file `-0i`.
 * @throws {@link DatasetParseError} when there is no `CSR:` line or no text after it.
 */
export function parseTranscription(source: string, file: string): string[] {
  const rows = source.split(/\r\n|\r|\n/);
  const csr = rows.findIndex((r) => r.trim() === 'CSR:');
  if (csr < 0) throw new DatasetParseError({ file }, "no 'CSR:' line: expected a header, a 'CSR:' line, a blank line, then one text line per written line");
  const lines = rows
    .slice(csr + 1)
    .map((r) => r.trim())
    .filter((r) => r.length > 0)
    .map((r) => r.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&'));
  if (lines.length === 0) throw new DatasetParseError({ file, line: csr + 1 }, "no text lines after 'CSR:'");
  return lines;
}

/**
 * Reads an IAM-OnDB-t1 split file (`trainset.txt`, `testset_v.txt`, `testset_t.txt`, `testset_f.txt`): one form
 * id per line (`a01-020x`), blank lines and `#` comments ignored.
 * @throws {@link DatasetParseError} for a line that is not a form id.
 */
export function parseSplitFile(source: string, file: string): string[] {
  const ids: string[] = [];
  source.split(/\r\n|\r|\n/).forEach((row, i) => {
    const id = row.trim();
    if (id === '' || id.startsWith('#')) return;
    if (!/^[a-z0-9]{2,4}-[0-9a-z]{2,4}[a-z]?$/i.test(id)) {
      throw new DatasetParseError({ file, line: i + 1 }, `expected a form id like 'a01-020x', got '${id.slice(0, 40)}'`);
    }
    ids.push(id);
  });
  return ids;
}

/** The parts of an IAM-OnDB line id such as `a01-020x-03`. */
export interface IamLineId {
  /** Writer group folder, `a01`. */
  group: string;
  /** Form folder, `a01-020`. */
  form: string;
  /** Form variant (transcription file stem and split-file id), `a01-020x`. */
  variant: string;
  /** 1-based line number. */
  line: number;
}

/** Parses `a01-020x-03` (or `a01-003-01`, without variant letter); undefined when it is not a line id. */
export function parseIamLineId(id: string): IamLineId | undefined {
  const m = /^(([a-z0-9]+)-([0-9]+))([a-z]?)-([0-9]+)$/i.exec(id);
  if (!m) return undefined;
  return { group: m[2] as string, form: m[1] as string, variant: `${m[1] as string}${m[4] as string}`, line: Number(m[5]) };
}

const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * Writes strokes as an IAM-OnDB lineStrokes XML document (ISO-8859-1 declaration; coordinates rounded to
 * integers, times to two decimals, as in the database). Encode the result with {@link encodeLatin1}.
 */
export function formatLineStrokes(strokes: readonly Stroke[]): string {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const s of strokes) {
    for (let i = 0; i < s.x.length; i++) {
      minX = Math.min(minX, s.x[i] as number); maxX = Math.max(maxX, s.x[i] as number);
      minY = Math.min(minY, s.y[i] as number); maxY = Math.max(maxY, s.y[i] as number);
    }
  }
  if (!Number.isFinite(minX)) { minX = minY = 0; maxX = maxY = 0; }
  const r = (v: number): string => String(Math.round(v));
  const t = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : '0.00');
  const out: string[] = [
    '<?xml version="1.0" encoding="ISO-8859-1"?>',
    '<WhiteboardCaptureSession>',
    '  <WhiteboardDescription>',
    '    <SensorLocation corner="top_left"/>',
    `    <DiagonallyOppositeCoords x="${r(maxX)}" y="${r(maxY)}"/>`,
    `    <VerticallyOppositeCoords x="${r(minX)}" y="${r(maxY)}"/>`,
    `    <HorizontallyOppositeCoords x="${r(maxX)}" y="${r(minY)}"/>`,
    '  </WhiteboardDescription>',
    '  <StrokeSet>',
  ];
  for (const s of strokes) {
    const n = s.x.length;
    out.push(`    <Stroke colour="${escapeXml('black')}" start_time="${t(s.time[0] ?? NaN)}" end_time="${t(s.time[n - 1] ?? NaN)}">`);
    for (let i = 0; i < n; i++) out.push(`      <Point x="${r(s.x[i] as number)}" y="${r(s.y[i] as number)}" time="${t(s.time[i] as number)}"/>`);
    out.push('    </Stroke>');
  }
  out.push('  </StrokeSet>', '</WhiteboardCaptureSession>', '');
  return out.join('\n');
}

/** Writes an ascii transcription file: a header, `CSR:`, a blank line and one text line per written line. */
export function formatTranscription(formVariant: string, lines: readonly string[], writer?: string): string {
  return [
    `Form: ${formVariant}${writer ? `  Writer: ${writer}` : ''}`,
    'Generated by @seqgen/datasets (synthetic, IAM-OnDB layout)',
    '',
    'CSR:',
    '',
    ...lines,
    '',
  ].join('\n');
}

/**
 * Encodes text as ISO-8859-1 bytes (IAM-OnDB's encoding); characters above U+00FF become `?`.
 */
export function encodeLatin1(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out[i] = c <= 0xff ? c : 0x3f;
  }
  return out;
}
