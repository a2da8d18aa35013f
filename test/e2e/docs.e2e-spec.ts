import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { AppConfig } from '../../src/config/app-config';

const ROOT = resolve(__dirname, '../..');
const README_LIMIT_BYTES = 12 * 1024;
const VARIABLE = /^[A-Z][A-Z0-9_]+$/;

/** The documentation checked: the README, every page under docs/, and the bench's README. */
const DOCUMENTS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((file) => file.endsWith('.md'))
    .map((file) => `docs/${file}`),
  'bench/README.md',
];

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
/** Markdown without its fenced code blocks (whose `#` lines are not headings and whose `](` are not links). */
const prose = (markdown: string) => markdown.replace(/^[ \t]*(```|~~~)[^\n]*\n[\s\S]*?^[ \t]*\1[^\n]*$/gm, '');

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const [, heading] of prose(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = heading
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/ /g, '-');
    let anchor = slug;
    for (let n = 1; anchors.has(anchor); n++) anchor = `${slug}-${n}`;
    anchors.add(anchor);
  }
  return anchors;
}

/** The relative links of a document (`[text](target)`, outside code) that lead nowhere: a missing file or heading. */
function brokenLinks(path: string, markdown: string): string[] {
  const text = prose(markdown).replace(/`[^`\n]*`/g, '');
  const broken: string[] = [];
  for (const [, target] of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
    const [file, anchor] = target.split('#');
    const resolved = resolve(ROOT, dirname(path), decodeURIComponent(file));
    if (file && (!resolved.startsWith(ROOT) || !existsSync(resolved))) {
      broken.push(`${path}: ${target} (no file ${relative(ROOT, resolved)})`);
    } else if (anchor && (!file || resolved.endsWith('.md'))) {
      const headings = file ? anchorsOf(readFileSync(resolved, 'utf8')) : anchorsOf(markdown);
      const where = file ? relative(ROOT, resolved) : path;
      if (!headings.has(anchor)) broken.push(`${path}: ${target} (no heading #${anchor} in ${where})`);
    }
  }
  return broken;
}

/** The property names of the AppConfig class, read from its source: the environment variables it declares. */
function declaredVariables(source: string): string[] {
  const start = source.indexOf('export class AppConfig {');
  const body = source.slice(start, source.indexOf('\n}\n', start));
  const code = body.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  return [...code.matchAll(/(?:^|[\s)])([A-Z][A-Z0-9_]+)\??\s*(?::[^=;\n]+)?=[^=>]/gm)].map((m) => m[1]);
}

/** The rows of every table in a document whose first cell names variables: each variable with its default cell. */
function variableRows(markdown: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of prose(markdown).split('\n')) {
    if (!line.startsWith('|')) continue;
    const cells = line
      .slice(1, line.trimEnd().endsWith('|') ? line.trimEnd().length - 1 : undefined)
      .split(/(?<!\\)\|/)
      .map((cell) => cell.trim());
    const names = [...cells[0].matchAll(/`([^`]+)`/g)].map((m) => m[1]).filter((name) => VARIABLE.test(name));
    if (names.length === 0) continue;
    // `A` / `B` with the defaults `1` / `2`: each variable gets its own default.
    const cell = cells[1] ?? '';
    const defaults = cell.split(' / ');
    names.forEach((name, i) => rows.set(name, (defaults.length === names.length ? defaults[i] : cell).trim()));
  }
  return rows;
}

/** The test files a document names (`path/to/x.spec.ts`, `.int-spec.ts`, `.e2e-spec.ts`). */
const testFilesIn = (text: string) => [...text.matchAll(/`([^`\s]+\.(?:int-|e2e-)?spec\.ts)`/g)].map((m) => m[1]);

describe('docs', () => {
  it('should keep README.md a front page of at most 12 KB', () => {
    const bytes = statSync(join(ROOT, 'README.md')).size;
    expect(bytes).toBeLessThanOrEqual(README_LIMIT_BYTES);
  });

  it('should find a missing file and a missing heading in a link', () => {
    const sample = '# Title\n\n[a](docs/api.md#errors) [b](#title) [c](docs/nothing.md) [d](docs/api.md#nothing)\n';
    expect(brokenLinks('README.md', sample)).toEqual([
      'README.md: docs/nothing.md (no file docs/nothing.md)',
      'README.md: docs/api.md#nothing (no heading #nothing in docs/api.md)',
    ]);
  });

  it.each(DOCUMENTS)('should link only to files and headings that exist from %s', (path) => {
    expect(brokenLinks(path, read(path))).toEqual([]);
  });

  it('should read every variable of AppConfig from its source', () => {
    expect(declaredVariables(read('src/config/app-config.ts')).sort()).toEqual(Object.keys(new AppConfig()).sort());
  });

  it('should list in docs/configuration.md exactly the variables AppConfig declares', () => {
    const declared = declaredVariables(read('src/config/app-config.ts'));
    const listed = [...variableRows(read('docs/configuration.md')).keys()];
    expect({
      missing: declared.filter((name) => !listed.includes(name)),
      undeclared: listed.filter((name) => !declared.includes(name)),
    }).toEqual({ missing: [], undeclared: [] });
  });

  it("should give the README's configuration rows the defaults docs/configuration.md gives", () => {
    const full = variableRows(read('docs/configuration.md'));
    const front = variableRows(read('README.md'));
    expect(front.size).toBeGreaterThan(0);
    for (const [name, value] of front) expect({ name, default: value }).toEqual({ name, default: full.get(name) });
  });

  it('should prove every guarantee with test files that exist, named by their paths', () => {
    const guarantees = read('docs/guarantees.md');
    const rows = guarantees.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| Promise |'));
    expect(rows.length).toBeGreaterThan(0);
    expect({
      rowsWithoutTest: rows.filter((row) => testFilesIn(row).length === 0),
      missingFiles: testFilesIn(guarantees).filter((file) => !existsSync(join(ROOT, file))),
    }).toEqual({ rowsWithoutTest: [], missingFiles: [] });
  });
});
