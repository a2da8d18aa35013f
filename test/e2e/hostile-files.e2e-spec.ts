import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { samplePdf } from '../factories/documents.factory';
import { deeplyNestedHtml, hugeHtmlTable, pdfWithFlateBomb, pdfWithPageReferences } from '../factories/hostile-files.factory';
import { AppProcess, databaseEnv } from '../support/app-process';
import { eventually } from '../support/http';
import { FormFile, multipartForm } from '../support/multipart';
import { createTestDatabase, describeDatabase, TestDatabase } from '../support/test-database';

/** A generous bound on resident memory: on main each of these files took the service to 0.8–1.2 GB, or killed it. */
const MAX_RSS_MB = 1536;
const UNREADABLE = { statusCode: 422, code: 'UNREADABLE_FILE' };

/**
 * Files built to hurt a parser, uploaded to the built service as it is deployed (default limits, but one
 * extraction at a time so the busy answer can be seen). Each fails its own request; the process stays up,
 * answers /health/live meanwhile, keeps no temporary file and stays within bounded memory.
 */
describeDatabase('hostile files', () => {
  let database: TestDatabase;
  let service: AppProcess;
  let uploads: string;

  beforeAll(async () => {
    database = createTestDatabase();
    // The service's uploads go to a folder of this test's own (os.tmpdir() reads TMPDIR), so leftovers show.
    uploads = mkdtempSync(join(tmpdir(), 'hostile-uploads-'));
    service = await AppProcess.start({ ...databaseEnv(database.config()), TMPDIR: uploads, FILE_EXTRACT_CONCURRENCY: '1' }).then((s) => s.ready());
  });

  afterAll(async () => {
    await service?.stop();
    await database?.drop();
    rmSync(uploads, { recursive: true, force: true });
  });

  async function upload(file: FormFile): Promise<{ status: number; body: any; headers: Headers }> {
    const { payload, headers } = multipartForm(file);
    const response = await fetch(`${service.baseUrl}/v1/ingest/file`, { method: 'POST', body: new Uint8Array(payload), headers });
    return { status: response.status, body: await response.json(), headers: response.headers };
  }

  /** The service's live child processes (Linux): an extraction child while one runs, none otherwise. */
  const children = () => readFileSync(`/proc/${service.pid}/task/${service.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);

  /** After each hostile file: still alive, still accepting a normal upload, no upload left on disk, memory bounded. */
  async function expectUnharmed(): Promise<void> {
    expect(await service.json('GET', '/health/live')).toMatchObject({ status: 200, body: { status: 'ok' } });
    const normal = await upload({ name: 'fine.pdf', content: await samplePdf(), contentType: 'application/pdf' });
    expect(normal).toMatchObject({ status: 202, body: { status: 'accepted' } });
    expect(readdirSync(uploads)).toEqual([]);
    expect(children()).toEqual([]);
    expect(service.peakRssMb()).toBeLessThan(MAX_RSS_MB);
  }

  it('should refuse a 1.2 MB PDF of 200,000 page references (once a heap exhaustion that killed the process), naming FILE_MAX_PAGES', async () => {
    const refused = await upload({ name: 'refs.pdf', content: pdfWithPageReferences(200_000), contentType: 'application/pdf' });
    expect(refused).toMatchObject({ status: 422, body: { ...UNREADABLE, message: 'The PDF has 200000 pages; FILE_MAX_PAGES is 5000' } });
    await expectUnharmed();
  });

  it('should refuse a 120 KB PDF of 20,000 pages (once 48 s on the event loop), naming FILE_MAX_PAGES', async () => {
    const refused = await upload({ name: 'pages.pdf', content: pdfWithPageReferences(20_000), contentType: 'application/pdf' });
    expect(refused).toMatchObject({ status: 422, body: { ...UNREADABLE, message: 'The PDF has 20000 pages; FILE_MAX_PAGES is 5000' } });
    await expectUnharmed();
  });

  it('should refuse a PDF whose flate stream inflates to 300 MB, naming FILE_EXTRACT_MEMORY_MB, with the child bounded too', async () => {
    const refused = await upload({ name: 'bomb.pdf', content: await pdfWithFlateBomb(300), contentType: 'application/pdf' });
    expect(refused).toMatchObject({
      status: 422,
      body: { ...UNREADABLE, message: 'Extracting the PDF needed more than FILE_EXTRACT_MEMORY_MB (512 MB)' },
    });
    expect(refused.body.details.peak_rss_mb).toBeLessThan(MAX_RSS_MB);
    await expectUnharmed();
  });

  it('should refuse an HTML page nested 50,000 elements deep (once a 500) as unreadable', async () => {
    const refused = await upload({ name: 'deep.html', content: deeplyNestedHtml(), contentType: 'text/html' });
    expect(refused).toMatchObject({ status: 422, body: { ...UNREADABLE, message: expect.stringMatching(/^The HTML cannot be read: .*call stack/) } });
    await expectUnharmed();
  });

  it('should answer /health/live and refuse a second extraction (503 EXTRACTION_BUSY + Retry-After) while a huge HTML table is extracted, then refuse the table', async () => {
    const table = upload({ name: 'table.html', content: hugeHtmlTable(1500), contentType: 'text/html' });
    // Event-driven: wait for the extraction child to exist, then ask while it runs.
    const [child] = await eventually(async () => (children().length > 0 ? children() : undefined), 30_000);
    expect(await service.json('GET', '/health/live')).toMatchObject({ status: 200, body: { status: 'ok' } });
    const busy = await upload({ name: 'other.pdf', content: await samplePdf(), contentType: 'application/pdf' });
    expect(busy).toMatchObject({
      status: 503,
      body: { statusCode: 503, code: 'EXTRACTION_BUSY', message: expect.stringContaining('FILE_EXTRACT_CONCURRENCY is 1') },
    });
    expect(busy.headers.get('retry-after')).toBe('2');
    // Both answers came while that same child was still extracting: the event loop was free all along.
    expect(children()).toContain(child);

    const refused = await table;
    expect(refused).toMatchObject({
      status: 422,
      body: { ...UNREADABLE, message: expect.stringMatching(/FILE_EXTRACT_MEMORY_MB \(512 MB\)|FILE_EXTRACT_TIMEOUT_MS \(30000 ms\)/) },
    });
    expect(refused.body.details.peak_rss_mb).toBeLessThan(MAX_RSS_MB);
    await expectUnharmed();
  });
});
