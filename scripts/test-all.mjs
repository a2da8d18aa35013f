// `npm test`: every suite runs (unit, integration, e2e, testcontainers) even when an earlier one fails, so one
// failure never hides another; then one summary: each suite's counts, each skip with its reason on its own
// line, and the exit code 1 if any suite failed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SUITES = [
  { name: 'unit', project: 'unit' },
  { name: 'integration', project: 'integration' },
  { name: 'e2e', project: 'e2e', build: true },
  { name: 'testcontainers', project: 'integration', env: { TEST_DATABASE: 'testcontainers' } },
];

const jest = join('node_modules', 'jest', 'bin', 'jest.js');
const work = mkdtempSync(join(tmpdir(), 'test-all-'));
const rows = [];
const skips = [];

for (const suite of SUITES) {
  console.log(`\n=== ${suite.name} ===`);
  if (suite.build && spawnSync(process.execPath, ['scripts/build-if-needed.mjs'], { stdio: 'inherit' }).status !== 0) {
    rows.push({ name: suite.name, outcome: 'FAILED (build)', failed: true });
    continue;
  }
  const report = join(work, `${suite.name}.json`);
  const run = spawnSync(process.execPath, [jest, '--selectProjects', suite.project, '--json', '--outputFile', report], {
    stdio: 'inherit',
    env: { ...process.env, ...suite.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules`.trim() },
  });
  let result;
  try {
    result = JSON.parse(readFileSync(report, 'utf8'));
  } catch {
    rows.push({ name: suite.name, outcome: `FAILED (exit ${run.status}, no report)`, failed: true });
    continue;
  }
  const skipped = new Map();
  for (const file of result.testResults) {
    for (const test of file.assertionResults) {
      if (test.status !== 'pending' && test.status !== 'skipped') continue;
      // The skipped describe's title carries the reason ("… [skipped: no Docker engine …]").
      const title = test.ancestorTitles[0] ?? test.fullName;
      skipped.set(title, (skipped.get(title) ?? 0) + 1);
    }
  }
  for (const [title, count] of skipped) skips.push(`${suite.name}: ${count} skipped in "${title}"`);
  const failed = run.status !== 0 || !result.success;
  rows.push({
    name: suite.name,
    outcome: `${failed ? 'FAILED' : 'passed'}: ${result.numPassedTests} passed, ${result.numFailedTests} failed, ${result.numPendingTests} skipped`,
    failed,
  });
}
rmSync(work, { recursive: true, force: true });

console.log('\n=== test summary ===');
for (const row of rows) console.log(`  ${row.name.padEnd(16)} ${row.outcome}`);
for (const skip of skips) console.log(`  skip  ${skip}`);
const anyFailed = rows.some((row) => row.failed);
console.log(anyFailed ? '=== some suites FAILED ===' : '=== every suite passed ===');
process.exit(anyFailed ? 1 : 0);
