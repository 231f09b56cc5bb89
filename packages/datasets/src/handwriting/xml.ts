/**
 * A small, strict XML reader for the IAM-OnDB files (no DTDs, no namespaces): elements, attributes,
 * text, comments, processing instructions, CDATA and the five predefined entities plus numeric references.
 * Every failure is a {@link DatasetParseError} naming the file, the line and what was expected.
 */
import { DatasetParseError } from '../errors.js';

/** One XML element. `line` is the 1-based line of its start tag. */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
  line: number;
}

const nameStart = /[A-Za-z_:\u00C0-\uFFFF]/;
const nameChar = /[A-Za-z0-9_:.\-\u00B7\u00C0-\uFFFF]/;

/**
 * Parses a whole XML document and returns its root element.
 * @param source - The decoded document text (see {@link decodeXmlBytes}).
 * @param file - Shown in error messages.
 * @throws {@link DatasetParseError} on malformed or truncated input.
 */
export function parseXml(source: string, file: string): XmlElement {
  let pos = 0;
  let line = 1;
  const n = source.length;

  const fail = (reason: string): never => {
    throw new DatasetParseError({ file, line, offset: pos }, reason);
  };
  const describe = (): string => (pos >= n ? 'end of file (truncated?)' : `'${source[pos]}'`);
  const advance = (count: number): void => {
    for (let i = 0; i < count && pos < n; i++) {
      if (source.charCodeAt(pos) === 10) line++;
      pos++;
    }
  };
  const skipSpace = (): void => {
    while (pos < n) {
      const c = source.charCodeAt(pos);
      if (c === 32 || c === 9 || c === 13 || c === 10) advance(1);
      else break;
    }
  };
  const skipUntil = (terminator: string, what: string): string => {
    const end = source.indexOf(terminator, pos);
    if (end < 0) fail(`unterminated ${what}: expected '${terminator}' before end of file`);
    const body = source.slice(pos, end);
    advance(end + terminator.length - pos);
    return body;
  };
  const readName = (): string => {
    const start = pos;
    if (pos >= n || !nameStart.test(source[pos] as string)) fail(`expected a name, got ${describe()}`);
    while (pos < n && nameChar.test(source[pos] as string)) pos++;
    return source.slice(start, pos);
  };
  const decodeEntities = (raw: string): string =>
    raw.indexOf('&') < 0
      ? raw
      : raw.replace(/&([^;&\s]{0,10});?/g, (match, body: string) => {
          if (!match.endsWith(';')) fail(`bad entity reference '${match}': expected ';'`);
          switch (body) {
            case 'lt': return '<';
            case 'gt': return '>';
            case 'amp': return '&';
            case 'quot': return '"';
            case 'apos': return "'";
            default: {
              const code = body.startsWith('#x') ? parseInt(body.slice(2), 16) : body.startsWith('#') ? parseInt(body.slice(1), 10) : NaN;
              if (!Number.isInteger(code) || code < 0 || code > 0x10ffff) fail(`unknown entity '&${body};'`);
              return String.fromCodePoint(code);
            }
          }
        });

  // Prolog: declaration, comments, processing instructions, a DOCTYPE without internal subset.
  const skipMisc = (): void => {
    for (;;) {
      skipSpace();
      if (source.startsWith('<?', pos)) { advance(2); skipUntil('?>', 'processing instruction'); }
      else if (source.startsWith('<!--', pos)) { advance(4); skipUntil('-->', 'comment'); }
      else if (source.startsWith('<!DOCTYPE', pos)) { advance(9); skipUntil('>', 'DOCTYPE'); }
      else return;
    }
  };

  if (source.charCodeAt(0) === 0xfeff) pos = 1;
  skipMisc();
  if (pos >= n) fail('expected a root element, got end of file (empty or truncated file)');
  if (source[pos] !== '<') fail(`expected '<' starting the root element, got ${describe()}`);

  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;

  while (pos < n) {
    if (source[pos] === '<') {
      if (source.startsWith('</', pos)) {
        advance(2);
        const name = readName();
        skipSpace();
        if (source[pos] !== '>') fail(`expected '>' closing </${name}, got ${describe()}`);
        advance(1);
        const open = stack.pop();
        if (!open) fail(`unexpected closing tag </${name}>`);
        else if (open.name !== name) fail(`mismatched closing tag </${name}>: expected </${open.name}> (opened on line ${open.line})`);
        if (stack.length === 0) break;
      } else if (source.startsWith('<!--', pos)) {
        advance(4);
        skipUntil('-->', 'comment');
      } else if (source.startsWith('<![CDATA[', pos)) {
        advance(9);
        const text = skipUntil(']]>', 'CDATA section');
        const top = stack[stack.length - 1];
        if (top) top.text += text;
      } else if (source.startsWith('<?', pos)) {
        advance(2);
        skipUntil('?>', 'processing instruction');
      } else {
        advance(1);
        const element: XmlElement = { name: readName(), attributes: {}, children: [], text: '', line };
        if (stack.length === 0 && root) fail(`second root element <${element.name}>: a document has one root`);
        for (;;) {
          const before = pos;
          skipSpace();
          if (pos >= n) fail(`unterminated start tag <${element.name}>: expected '>' before end of file (truncated?)`);
          const c = source[pos];
          if (c === '>' || c === '/') break;
          if (pos === before) fail(`expected whitespace before attribute in <${element.name}>, got ${describe()}`);
          const key = readName();
          skipSpace();
          if (source[pos] !== '=') fail(`expected '=' after attribute ${key} in <${element.name}>, got ${describe()}`);
          advance(1);
          skipSpace();
          const quote = source[pos];
          if (quote !== '"' && quote !== "'") fail(`expected a quoted value for attribute ${key} in <${element.name}>, got ${describe()}`);
          advance(1);
          const raw = skipUntil(quote as string, `attribute value of ${key}`);
          if (raw.includes('<')) fail(`'<' inside the value of attribute ${key} in <${element.name}>`);
          if (Object.prototype.hasOwnProperty.call(element.attributes, key)) fail(`duplicate attribute ${key} in <${element.name}>`);
          element.attributes[key] = decodeEntities(raw);
        }
        const parent = stack[stack.length - 1];
        if (parent) parent.children.push(element);
        else root = element;
        if (source[pos] === '/') {
          advance(1);
          if (source[pos] !== '>') fail(`expected '>' after '/' in <${element.name}>, got ${describe()}`);
          advance(1);
          if (stack.length === 0) break;
        } else {
          advance(1);
          stack.push(element);
        }
      }
    } else {
      const next = source.indexOf('<', pos);
      const end = next < 0 ? n : next;
      const text = source.slice(pos, end);
      const top = stack[stack.length - 1];
      if (!top) fail('text outside the root element');
      else if (/\S/.test(text)) top.text += decodeEntities(text);
      advance(end - pos);
    }
  }
  if (stack.length > 0) {
    const open = stack[stack.length - 1] as XmlElement;
    fail(`unexpected end of file: <${open.name}> opened on line ${open.line} is not closed (truncated file?)`);
  }
  if (!root) fail('expected a root element');
  skipMisc();
  if (pos < n) fail(`unexpected content after the root element: ${describe()}`);
  return root as XmlElement;
}

/**
 * Decodes XML bytes using the encoding named in the declaration: ISO-8859-1 / Latin-1 (IAM-OnDB's), or UTF-8
 * (the default, also with a BOM). Other encodings are rejected.
 * @throws {@link DatasetParseError} for an unsupported encoding or invalid UTF-8.
 */
export function decodeXmlBytes(bytes: Uint8Array, file: string): string {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, Math.min(bytes.length, 200)));
  const match = /^\s*<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']/.exec(head);
  const encoding = match?.[1] ?? 'utf-8';
  return decodeText(bytes, file, encoding);
}

/**
 * Decodes text bytes as `latin1` (ISO-8859-1) or strict `utf-8`.
 * @throws {@link DatasetParseError} for invalid UTF-8 or an unsupported encoding.
 */
export function decodeText(bytes: Uint8Array, file: string, encoding: string): string {
  const e = encoding.toLowerCase();
  if (['iso-8859-1', 'latin1', 'latin-1', 'iso8859-1', 'us-ascii', 'ascii'].includes(e)) {
    // TextDecoder('latin1') is windows-1252 by the WHATWG spec; ISO-8859-1 maps byte b to U+00bb exactly.
    let out = '';
    for (let i = 0; i < bytes.length; i += 8192) {
      out += String.fromCharCode(...bytes.subarray(i, i + 8192));
    }
    return out;
  }
  if (e === 'utf-8' || e === 'utf8') {
    try {
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    } catch (error) {
      throw new DatasetParseError({ file }, 'invalid UTF-8 (is it ISO-8859-1 without an XML declaration?)', { cause: error });
    }
  }
  throw new DatasetParseError({ file, line: 1 }, `unsupported encoding '${encoding}': expected ISO-8859-1 or UTF-8`);
}
