import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DatasetParseError } from '../errors.js';
import { parseLineStrokes } from './iam-format.js';
import { decodeXmlBytes, parseXml } from './xml.js';

const doc = `<?xml version="1.0" encoding="ISO-8859-1"?>
<!-- a comment -->
<WhiteboardCaptureSession>
  <StrokeSet>
    <Stroke colour="black"><Point x="1" y="2" time="0.10"/><Point x='3' y="4" time="0.11"/></Stroke>
  </StrokeSet>
  <Text a="&lt;&amp;&quot;&#233;&#xE9;">x &amp; y</Text>
</WhiteboardCaptureSession>
`;

function parseError(source: string): DatasetParseError {
  try {
    parseXml(source, 'f.xml');
  } catch (error) {
    if (DatasetParseError.isInstance(error)) return error as DatasetParseError;
    throw error;
  }
  throw new Error('expected a DatasetParseError');
}

describe('parseXml', () => {
  it('reads elements, attributes, entities and text', () => {
    const root = parseXml(doc, 'f.xml');
    expect(root.name).toBe('WhiteboardCaptureSession');
    expect(root.line).toBe(3);
    const points = root.children[0]?.children[0]?.children ?? [];
    expect(points.map((p) => p.attributes)).toEqual([{ x: '1', y: '2', time: '0.10' }, { x: '3', y: '4', time: '0.11' }]);
    expect(root.children[1]?.attributes.a).toBe('<&"éé');
    expect(root.children[1]?.text).toBe('x & y');
  });

  it('names the file, the line and the reason for truncated and malformed input', () => {
    const truncated = parseError(doc.slice(0, 150));
    expect(truncated.file).toBe('f.xml');
    expect(truncated.message).toMatch(/^f\.xml:\d+: /);
    expect(truncated.message).toMatch(/truncated|end of file/);
    const mismatched = parseError('<a>\n<b>\n</c>\n</a>');
    expect(mismatched.line).toBe(3);
    expect(mismatched.message).toContain("mismatched closing tag </c>: expected </b> (opened on line 2)");
    expect(parseError('').message).toContain('empty or truncated');
    expect(parseError('<a x=1/>').message).toContain('expected a quoted value for attribute x');
    expect(parseError('<a x="1" x="2"/>').message).toContain('duplicate attribute x');
    expect(parseError('<a/><b/>').message).toContain('unexpected content after the root element');
    expect(parseError('<a>&bogus;</a>').message).toContain("unknown entity '&bogus;'");
  });

  it('decodes ISO-8859-1 per the declaration and UTF-8 by default', () => {
    const latin1 = Uint8Array.from([...'<?xml version="1.0" encoding="ISO-8859-1"?><a t="'].map((c) => c.charCodeAt(0)).concat([0xe9, 0xa3, 0x22, 0x2f, 0x3e]));
    expect(parseXml(decodeXmlBytes(latin1, 'l.xml'), 'l.xml').attributes.t).toBe('é£');
    expect(() => decodeXmlBytes(Uint8Array.from([0x3c, 0x61, 0xe9, 0x2f, 0x3e]), 'u.xml')).toThrow(/u\.xml: invalid UTF-8/);
    expect(() => decodeXmlBytes(new TextEncoder().encode('<?xml version="1.0" encoding="UTF-16"?><a/>'), 'w.xml')).toThrow(/unsupported encoding 'UTF-16'/);
  });

  it('fuzz: arbitrary text and mutated documents either parse or throw DatasetParseError', () => {
    const check = (source: string): void => {
      try {
        parseLineStrokes(source, 'fuzz.xml');
      } catch (error) {
        if (!DatasetParseError.isInstance(error)) throw error;
        expect((error as Error).message.startsWith('fuzz.xml')).toBe(true);
      }
    };
    fc.assert(fc.property(fc.string({ maxLength: 200 }), check), { numRuns: 500 });
    fc.assert(
      fc.property(fc.nat(doc.length), fc.nat(doc.length), fc.string({ maxLength: 8 }), (a, b, insert) => {
        const [from, to] = a < b ? [a, b] : [b, a];
        check(doc.slice(0, from) + insert + doc.slice(to));
        check(doc.slice(0, from));
      }),
      { numRuns: 1500 },
    );
    fc.assert(fc.property(fc.array(fc.constantFrom('<', '>', '/', '"', '=', ' ', 'a', 'Point', 'x', '&', ';', '<!--', '-->', '?>', '<?'), { maxLength: 40 }), (parts) => check(parts.join(''))), { numRuns: 1500 });
  });
});
