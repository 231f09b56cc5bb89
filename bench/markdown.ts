/**
 * The README table from `pnpm bench`'s JSON lines: `pnpm bench --markdown results.jsonl` (or `-` for stdin), or
 * `npx tsx bench/markdown.ts results.jsonl`. One row per result line; the summary line adds the targets.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

type Row = Record<string, unknown>;

const num = (v: unknown, digits = 0): string =>
  typeof v === 'number' && Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '';

function rate(r: Row): string {
  if (typeof r.secondsPerLine === 'number') return `${num(r.secondsPerLine, 2)} s/line`;
  if (typeof r.seconds === 'number') return `${num(r.seconds, 2)} s`;
  if (typeof r.charsPerSec === 'number') return `${num(r.charsPerSec)} chars/s`;
  if (typeof r.pointsPerSec === 'number') return `${num(r.pointsPerSec)} points/s`;
  return '';
}

function what(r: Row): string {
  const parts = [String(r.backend ?? '')];
  if (r.variant !== undefined) parts.push(String(r.variant));
  if (r.path !== undefined) parts.push(String(r.path));
  return parts.join(' ');
}

function blasOrThreads(r: Row): string {
  const blas = r.blas as { kind?: string; core?: string } | undefined;
  if (r.backend === 'pytorch' && blas) {
    const core = blas.core ? ` ${blas.core}` : '';
    const blasThreads = typeof r.blasThreads === 'number' ? `, BLAS ${r.blasThreads}` : '';
    return `torch ${String(r.threads)}${blasThreads} (${String(blas.kind)}${core})`;
  }
  return r.threads === undefined ? '' : String(r.threads);
}

/** Markdown table of the result lines (errors and skipped variants as their own rows). */
export function markdownTable(lines: readonly Row[]): string {
  const rows = lines.filter((r) => r.summary === undefined);
  const header = ['task', 'config', 'backend', 'threads', 'speed', '× torch installed', '× torch tuned', '% of ceiling', 'peak RSS MB'];
  const out = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const r of rows) {
    const note = r.error !== undefined ? `error: ${String(r.error)}` : r.skipped !== undefined ? `skipped: ${String(r.skipped)}` : '';
    out.push(
      `| ${[
        String(r.task ?? ''),
        String(r.config ?? ''),
        what(r),
        blasOrThreads(r),
        note || rate(r),
        num(r.ratioToTorchInstalled, 2),
        num(r.ratioToTorchTuned, 2),
        num(r.pctOfCeiling, 0),
        num(r.peakRssMB, 0),
      ]
        .map((cell) => cell.replace(/\|/g, '\\|'))
        .join(' | ')} |`,
    );
  }
  const summary = lines.find((r) => r.summary !== undefined)?.summary as { targets?: Row[] } | undefined;
  if (summary?.targets?.length) {
    out.push('', '| target (issue 6) | measured | met |', '|---|---|---|');
    for (const t of summary.targets) {
      const met = t.met === true ? 'yes' : t.met === false ? 'NO' : 'n/a';
      out.push(`| ${String(t.target)} | ${String(t.measured)} | ${met} |`);
    }
  }
  return out.join('\n');
}

/** Parses JSON lines, skipping anything else (progress text). */
export function parseJsonLines(text: string): Row[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Row);
}

export function markdownFromFile(path: string): string {
  return markdownTable(parseJsonLines(readFileSync(path === '-' ? 0 : path, 'utf8')));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const path = process.argv[2];
  if (path === undefined) {
    process.stderr.write('usage: npx tsx bench/markdown.ts <results.jsonl | ->\n');
    process.exit(2);
  }
  process.stdout.write(`${markdownFromFile(path)}\n`);
}
