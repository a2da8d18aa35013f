import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDF_CHUNKING, sampleHtml, sampleMarkdown, samplePdf, sampleText, SENTENCES } from '../factories/documents.factory';
import { AppProcess, databaseEnv, freePort } from '../support/app-process';
import { runCli } from '../support/cli-process';
import { createTestDatabase, describeDatabase, TestDatabase } from '../support/test-database';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

/** The CLI (dist/src/cli/main.js, the package's bin) against the built service running as a process. */
describeDatabase('the ingestion-service CLI', () => {
  let database: TestDatabase;
  let app: AppProcess;
  let work: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = createTestDatabase();
    app = await AppProcess.start({ ...databaseEnv(database.config()), POLL_INTERVAL_MS: '50' }).then((started) => started.ready());
    env = { INGESTION_URL: app.baseUrl };
    work = mkdtempSync(join(tmpdir(), 'cli-test-'));
    const folder = join(work, 'documents');
    mkdirSync(join(folder, 'guides'), { recursive: true });
    writeFileSync(join(folder, 'ship-log.txt'), sampleText());
    writeFileSync(join(folder, 'guides', 'baking.md'), sampleMarkdown());
    writeFileSync(join(folder, 'guides', 'glaciers.html'), sampleHtml());
    writeFileSync(join(folder, 'annual-report.pdf'), await samplePdf());
    writeFileSync(join(work, 'contract.docx'), 'PK\u0003\u0004 a word document');
    writeFileSync(join(work, 'loose-note.txt'), 'A loose note about the harbour master.');
  });

  afterAll(async () => {
    await app?.stop();
    await database?.drop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('should ingest a folder of txt, md, html and pdf with progress, complete every file, and find a PDF sentence with its page', async () => {
    // As a new user would, from the repository: npx ingestion-service ingest <folder>.
    const ingest = await runCli(
      ['ingest', join(work, 'documents'), '--chunk-size', PDF_CHUNKING.chunk_size, '--chunk-overlap', PDF_CHUNKING.chunk_overlap],
      env,
      { viaNpx: true },
    );
    expect(ingest.stderr).not.toMatch(/error:/i);
    expect(ingest.code).toBe(0);
    expect(ingest.stdout).toContain(`Ingesting 4 files into ${app.baseUrl}`);
    expect(ingest.stdout).toMatch(/Uploading: .* \/ .*kB/);
    expect(ingest.stdout).toContain('Processing: 4 / 4 documents');
    expect(ingest.stdout).toContain('4 of 4 documents completed.');
    for (const file of ['documents/ship-log.txt', 'documents/guides/baking.md', 'documents/guides/glaciers.html', 'documents/annual-report.pdf']) {
      expect(ingest.stdout).toMatch(new RegExp(`^\\S*/${file.replace(/\./g, '\\.')}\\s+\\S+ k?B\\s+completed\\s+\\d+\\s+${UUID.source}$`, 'm'));
    }

    const search = await runCli(['search', SENTENCES.pdfPage2, '--top-k', '3'], env);
    expect(search.code).toBe(0);
    const [first] = search.stdout.split(/\n(?=\d+\. )/);
    expect(first).toMatch(/^1\. score \d\.\d{3} {2}annual-report\.pdf, page 2 {2}\(ingestion /);
    expect(first).toContain(SENTENCES.pdfPage2);
  });

  it('should list what a folder held that it skipped, and update rather than duplicate on a second run', async () => {
    const folder = join(work, 'notes');
    mkdirSync(join(folder, 'deep'), { recursive: true });
    writeFileSync(join(folder, 'deep', 'tides.md'), '# Tides\n\nThe spring tide peaks at noon on the north pier.');
    writeFileSync(join(folder, 'minutes.docx'), 'PK\u0003\u0004 not a supported type');
    const args = ['ingest', folder, '--collection', 'notes'];
    const first = await runCli(args, env);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^skipped {3}\S*minutes\.docx: \.docx is not a supported type/m);
    expect(first.stdout).toContain('Ingesting 1 file (1 skipped)');
    const second = await runCli(args, env);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/uploaded {2}\S*tides\.md → \S+ \(unchanged/);
    const found = await runCli(['search', 'spring tide north pier', '--collection', 'notes', '--top-k', '10', '--json'], env);
    expect(JSON.parse(found.stdout).map((r: { source_metadata: { file_name: string } }) => r.source_metadata.file_name)).toEqual(['tides.md']);
  });

  it('should show the status of an ingestion, search within it, and delete it', async () => {
    const ingest = await runCli(['ingest', 'loose-note.txt'], env, { cwd: work });
    expect(ingest.code).toBe(0);
    const id = ingest.stdout.match(new RegExp(`loose-note\\.txt → (${UUID.source})`))![1];

    const status = await runCli(['status', id], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^status\s+completed$/m);
    expect(status.stdout).toMatch(/^chunk_count\s+1$/m);
    const json = JSON.parse((await runCli(['status', id, '--json'], env)).stdout);
    expect(json).toMatchObject({ id, status: 'completed', attempts: 1 });

    const scoped = await runCli(['search', 'harbour master', '--filter', `ingestion_id=${id}`, '--json'], env);
    expect(JSON.parse(scoped.stdout).map((hit: { ingestion_id: string }) => hit.ingestion_id)).toEqual([id]);

    const deleted = await runCli(['delete', id], env);
    expect(deleted).toMatchObject({ code: 0, stdout: `Deleted ${id} (1 chunks).\n` });
    expect((await runCli(['delete', id], env)).stdout).toContain('Nothing to delete');
    const gone = await runCli(['status', id], env);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain(`No ingestion with id ${id}`);
  });

  it('should list ingestions and collections, print chunks, and retry and cancel only what may be', async () => {
    const ingest = await runCli(['ingest', 'loose-note.txt', '--collection', 'cli-manage'], env, { cwd: work });
    const id = ingest.stdout.match(new RegExp(`loose-note\\.txt → (${UUID.source})`))![1];

    const listed = JSON.parse((await runCli(['list', '--collection', 'cli-manage', '--json'], env)).stdout);
    expect(listed).toMatchObject({ items: [{ id, status: 'completed', collection: 'cli-manage' }], next_cursor: null });
    expect((await runCli(['list', '--collection', 'cli-manage', '--status', 'completed'], env)).stdout).toMatch(
      new RegExp(`^${id}\\s+completed\\s+cli-manage\\s+1\\s`, 'm'),
    );
    await runCli(['ingest', 'loose-note.txt', '--collection', 'cli-manage-2'], env, { cwd: work });
    const paged = await runCli(['list', '--limit', '1'], env);
    expect(paged.stdout).toMatch(/^More: --cursor \S+$/m);

    expect((await runCli(['collections'], env)).stdout).toMatch(/^cli-manage\s+1 completed\s+1\s/m);
    expect(JSON.parse((await runCli(['collections', '--json'], env)).stdout)).toContainEqual(
      expect.objectContaining({ name: 'cli-manage', chunks: 1 }),
    );
    expect((await runCli(['chunks', id], env)).stdout).toBe('#0  A loose note about the harbour master.\n');

    const retry = await runCli(['retry', id], env);
    expect(retry).toMatchObject({ code: 1, stderr: expect.stringContaining('only failed ingestions can be retried') });
    const cancel = await runCli(['cancel', id], env);
    expect(cancel).toMatchObject({ code: 1, stderr: expect.stringContaining('only accepted or running ingestions can be cancelled') });
    expect(await runCli(['retry', '--failed', '--collection', 'cli-manage'], env)).toMatchObject({
      code: 0,
      stdout: 'Requeued 0 failed ingestion(s).\n',
    });
    expect((await runCli(['retry'], env)).code).toBe(1);
  });

  it('should ingest into and search within a named collection', async () => {
    const ingest = await runCli(['ingest', 'loose-note.txt', '--collection', 'harbour-notes'], env, { cwd: work });
    expect(ingest.code).toBe(0);
    const id = ingest.stdout.match(new RegExp(`loose-note\\.txt → (${UUID.source})`))![1];
    const inCollection = await runCli(['search', 'harbour master', '--collection', 'harbour-notes', '--json'], env);
    expect(JSON.parse(inCollection.stdout).map((hit: { ingestion_id: string }) => hit.ingestion_id)).toEqual([id]);
    const elsewhere = await runCli(['search', 'harbour master', '--collection', 'empty-one', '--json'], env);
    expect(JSON.parse(elsewhere.stdout)).toEqual([]);
    expect((await runCli(['delete', id], env)).code).toBe(0);
  });

  it('should list a refused file under failures, still ingest the others, and exit non-zero', async () => {
    const result = await runCli(['ingest', 'contract.docx', 'loose-note.txt'], env, { cwd: work });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^contract\.docx\s+\S+ B\s+rejected\s*$/m);
    expect(result.stdout).toMatch(/^loose-note\.txt\s+\S+ B\s+completed\s+1\s+/m);
    expect(result.stdout).toContain('1 of 2 documents completed, 1 failed.');
    expect(result.stdout).toMatch(/Failures:\n {2}contract\.docx: Unsupported file type/);
  });

  it('should expand glob patterns and return at once with --no-wait', async () => {
    const result = await runCli(['ingest', 'documents/**/*.md', '--no-wait'], env, { cwd: work });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Ingesting 1 file into');
    expect(result.stdout).toMatch(/^documents\/guides\/baking\.md\s+\S+ B\s+accepted\s+/m);
    expect(result.stdout).toContain('1 of 1 documents accepted; not waiting for them');
    expect(result.stdout).not.toContain('Processing:');
  });

  it('should say plainly when the server cannot be reached or a path does not exist', async () => {
    const unreachable = await runCli(['ingest', 'loose-note.txt'], { INGESTION_URL: `http://127.0.0.1:${await freePort()}` }, { cwd: work });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/cannot reach ingestion-service at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    const missing = await runCli(['ingest', 'no-such-folder'], env, { cwd: work });
    expect(missing).toMatchObject({ code: 1, stderr: 'error: no-such-folder: no such file or folder\n' });
  });
});
