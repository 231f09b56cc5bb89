/**
 * Hershey single-stroke fonts as published in the npm package `hersheytext` (`hersheytext.min.json`: per font
 * `{ name, chars: [{ d, o }] }`, chars[i] = character code 33 + i, `d` an SVG path of `M`/`L` commands in font
 * units with y down; baseline y = 22, x-height y = 13, capitals and ascenders y = 1, descenders to y ≈ 34).
 * The font data is passed in (the `./node` subpath loads it), so this module does no I/O.
 */
import { DatasetParseError } from '../errors.js';

/** One glyph: its pen-down polylines in font units (y down), its horizontal extent. */
export interface HersheyGlyph {
  char: string;
  /** Polylines as flat `[x0, y0, x1, y1, ...]` arrays, in drawing order. */
  strokes: number[][];
  minX: number;
  maxX: number;
}

/** A parsed font: glyphs by character. */
export interface HersheyFont {
  name: string;
  glyphs: Map<string, HersheyGlyph>;
}

/** Font geometry shared by the Hershey fonts in `hersheytext`. */
export const HERSHEY_METRICS = Object.freeze({ baseline: 22, xHeight: 9, capHeight: 21, connector: 17 });

/** The `hersheytext` JSON shape of one font. */
export interface HersheyFontJson {
  name?: string;
  chars: ReadonlyArray<{ d: string; o?: number | string } | null | undefined>;
}

/**
 * Parses one `hersheytext` font.
 * @param file - Shown in error messages (e.g. `hersheytext/hersheytext.min.json#scripts`).
 * @throws {@link DatasetParseError} for a path that is not `M`/`L` commands with numeric pairs.
 */
export function parseHersheyFont(json: HersheyFontJson, file: string): HersheyFont {
  if (!json || !Array.isArray(json.chars)) throw new DatasetParseError({ file }, 'expected a font object with a chars array');
  const glyphs = new Map<string, HersheyGlyph>();
  json.chars.forEach((entry, i) => {
    if (!entry || typeof entry.d !== 'string') return;
    const char = String.fromCharCode(33 + i);
    const strokes: number[][] = [];
    let current: number[] | undefined;
    for (const token of entry.d.trim().split(/\s+|(?=[ML])|(?<=[ML])/)) {
      if (token === '') continue;
      if (token === 'M') {
        current = [];
        strokes.push(current);
      } else if (token === 'L') {
        if (!current) throw new DatasetParseError({ file, offset: i }, `glyph '${char}': 'L' before 'M'`);
      } else {
        const [sx, sy] = token.split(',');
        const x = Number(sx), y = Number(sy);
        if (!current || !Number.isFinite(x) || !Number.isFinite(y)) {
          throw new DatasetParseError({ file, offset: i }, `glyph '${char}': expected 'x,y' after M or L, got '${token}'`);
        }
        current.push(x, y);
      }
    }
    const kept = strokes.filter((s) => s.length >= 2);
    let minX = Infinity, maxX = -Infinity;
    for (const s of kept) for (let k = 0; k < s.length; k += 2) { minX = Math.min(minX, s[k] as number); maxX = Math.max(maxX, s[k] as number); }
    if (kept.length > 0) glyphs.set(char, { char, strokes: kept, minX, maxX });
  });
  return { name: json.name ?? file, glyphs };
}
