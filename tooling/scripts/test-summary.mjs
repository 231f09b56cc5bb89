#!/usr/bin/env node
// Sums the vitest JSON reports that each package's `test` script writes to
// <packages|apps|examples>/<name>/.tmp/vitest-report.json and prints one closing line:
// "N passed, N failed, N skipped". Exits non-zero when a report is missing, a test or a
// test file failed, or no test ran at all.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

let passed = 0;
let failed = 0;
let skipped = 0;
let missing = 0;
const folders = ['packages', 'apps', 'examples'].flatMap((root) =>
  existsSync(root) ? readdirSync(root).map((name) => join(root, name)) : [],
);
for (const folder of folders) {
  if (!existsSync(join(folder, 'package.json'))) continue;
  const file = join(folder, '.tmp', 'vitest-report.json');
  if (!existsSync(file)) {
    console.log(`no test report for ${folder}`);
    missing++;
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests ?? 0;
  // A test file that fails to load counts as one failure even when it reports no tests.
  failed += Math.max(report.numFailedTests ?? 0, report.numFailedTestSuites ?? 0);
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || missing > 0 || passed === 0 ? 1 : 0);
