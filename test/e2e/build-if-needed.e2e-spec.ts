import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const SCRIPT = resolve(__dirname, '../../scripts/build-if-needed.mjs');

/** scripts/build-if-needed.mjs in a throw-away project whose "build" only counts how often it ran. */
describe('build-if-needed', () => {
  let project: string;
  const builds = () => readFileSync(join(project, 'dist', 'builds'), 'utf8').length;
  const run = () => execFileSync(process.execPath, [SCRIPT], { cwd: project, encoding: 'utf8', timeout: 60_000 });

  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), 'build-if-needed-'));
    mkdirSync(join(project, 'src'));
    writeFileSync(join(project, 'src', 'main.ts'), 'export {};\n');
    const build = "require('fs').mkdirSync('dist',{recursive:true});require('fs').appendFileSync('dist/builds','x')";
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'p', version: '1.0.0', scripts: { build: `node -e "${build}"` } }));
  });

  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it('should build on the first run, not again while nothing changed, and again once a source is newer', () => {
    expect(run()).toContain('first run');
    expect(builds()).toBe(1);
    expect(run()).toBe('');
    expect(builds()).toBe(1);
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(project, 'src', 'main.ts'), later, later);
    expect(run()).toContain('Sources changed');
    expect(builds()).toBe(2);
  });
});
