import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { encodeLatin1, formatLineStrokes, formatTranscription, parseIamLineId, parseLineStrokes, parseSplitFile, parseTranscription } from './iam-format.js';
import { decodeText, decodeXmlBytes } from './xml.js';

const fixture = (p: string): string => fileURLToPath(new URL(`./__fixtures__/${p}`, import.meta.url));
const xml = (p: string): string => decodeXmlBytes(readFileSync(fixture(p)), p);

describe('IAM-OnDB formats', () => {
  it('reads a lineStrokes file: strokes in order, empty strokes dropped and counted', () => {
    const { strokes, emptyStrokes } = parseLineStrokes(xml('iam/lineStrokes/a01/a01-000/a01-000u-01.xml'), 'a01-000u-01.xml');
    expect(emptyStrokes).toBe(1);
    expect(strokes.map((s) => s.x.length)).toEqual([4, 4, 1, 2]);
    expect(Array.from(strokes[0]?.y ?? [])).toEqual([1102, 1120, 1141, 1150]);
    expect(strokes[1]?.time[2]).toBeCloseTo(512.56, 10);
  });

  it('gives NaN times when the time attribute is missing', () => {
    const { strokes } = parseLineStrokes(xml('iam/lineStrokes/a01/a01-003/a01-003-01.xml'), 'a01-003-01.xml');
    expect(strokes).toHaveLength(1);
    expect(Number.isNaN(strokes[0]?.time[0])).toBe(true);
  });

  it('rejects a point without coordinates, naming the file and line', () => {
    const src = '<WhiteboardCaptureSession><StrokeSet>\n<Stroke>\n<Point y="1" time="0"/></Stroke></StrokeSet></WhiteboardCaptureSession>';
    expect(() => parseLineStrokes(src, 'p.xml')).toThrow('p.xml:3: <Point> without attribute x');
    expect(() => parseLineStrokes('<Other/>', 'o.xml')).toThrow('o.xml:1: expected root element <WhiteboardCaptureSession>, got <Other>');
    expect(() => parseLineStrokes('<WhiteboardCaptureSession/>', 's.xml')).toThrow('expected a <StrokeSet>');
  });

  it('reads the CSR section of an ISO-8859-1 transcription, unescaping entities', () => {
    const file = 'iam/ascii/a01/a01-000/a01-000u.txt';
    const lines = parseTranscription(decodeText(readFileSync(fixture(file)), file, 'iso-8859-1'), file);
    expect(lines).toEqual(['A MOVE to stop Mr. Gaitskell, café', 'owner, paid £5 "at once".']);
    expect(parseTranscription('h\r\nCSR:\r\n\r\nNo time here!\r\n', 'crlf.txt')).toEqual(['No time here!']);
    expect(() => parseTranscription('no section\n\ntext\n', 'x.txt')).toThrow("x.txt: no 'CSR:' line");
    expect(() => parseTranscription('CSR:\n\n\n', 'e.txt')).toThrow("e.txt:1: no text lines after 'CSR:'");
  });

  it('reads split files and line ids', () => {
    expect(parseSplitFile('a01-000u\n\n# c\na01-003\r\nh007-012s\n', 's.txt')).toEqual(['a01-000u', 'a01-003', 'h007-012s']);
    expect(() => parseSplitFile('a01-000u\nnot a form id\n', 'bad.txt')).toThrow("bad.txt:2: expected a form id like 'a01-020x', got 'not a form id'");
    expect(parseIamLineId('a01-020x-03')).toEqual({ group: 'a01', form: 'a01-020', variant: 'a01-020x', line: 3 });
    expect(parseIamLineId('a01-003-01')).toEqual({ group: 'a01', form: 'a01-003', variant: 'a01-003', line: 1 });
    expect(parseIamLineId('nope')).toBeUndefined();
  });

  it('writes lineStrokes and transcriptions that read back', () => {
    const stroke = { x: Float32Array.from([1.4, 2.6]), y: Float32Array.from([3, 4]), time: Float64Array.from([1.234, 1.25]) };
    const text = formatLineStrokes([stroke]);
    const back = parseLineStrokes(decodeXmlBytes(encodeLatin1(text), 'w.xml'), 'w.xml').strokes;
    expect(Array.from(back[0]?.x ?? [])).toEqual([1, 3]);
    expect(Array.from(back[0]?.time ?? [])).toEqual([1.23, 1.25]);
    const ascii = formatTranscription('h001-000s', ['café £5', 'second'], 'w001');
    expect(parseTranscription(decodeText(encodeLatin1(ascii), 't', 'latin1'), 't')).toEqual(['café £5', 'second']);
  });
});
