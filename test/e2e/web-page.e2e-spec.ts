import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { samplePdf, SENTENCES } from '../factories/documents.factory';
import { AppProcess, databaseEnv } from '../support/app-process';
import { REPO_ROOT } from '../support/cli-process';
import { createTestDatabase, describeDatabase, TestDatabase } from '../support/test-database';

/** Debian's chromium package; `.ci/run` installs it. */
const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = join(REPO_ROOT, 'test-artifacts', 'web-search.png');
const NOTE = 'The harbour crane lifts shipping containers of forty tonnes onto the night train.';

/** The web page at `/` in headless Chromium, against the built service running as a process. */
describeDatabase('the web page', () => {
  let database: TestDatabase;
  let app: AppProcess;
  let browser: Browser;
  let page: Page;
  let work: string;
  const foreignRequests: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)`);
    database = createTestDatabase();
    app = await AppProcess.start({ ...databaseEnv(database.config()), POLL_INTERVAL_MS: '50' }).then((started) => started.ready());
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    page.on('request', (request) => {
      if (!request.url().startsWith(app.baseUrl)) foreignRequests.push(request.url());
    });
    work = mkdtempSync(join(tmpdir(), 'web-test-'));
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await database?.drop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const row = (source: string) => page.locator('#ingestion-rows tr', { hasText: source });

  it('should ingest pasted text, show it completed, find it by search, and load nothing from elsewhere', async () => {
    await page.goto(`${app.baseUrl}/`);
    await expect(page.title()).resolves.toBe('ingestion-service');

    // Labelled controls: found by their labels, as assistive technology finds them.
    await page.getByLabel('Text', { exact: true }).fill(NOTE);
    await page.getByLabel('Source name').fill('harbour-notes.md');
    await page.getByRole('button', { name: 'Ingest text' }).click();

    await row('harbour-notes.md').locator('.status', { hasText: 'completed' }).waitFor({ timeout: 20_000 });
    await expect(row('harbour-notes.md').locator('.chunks').textContent()).resolves.toBe('1');
    await expect(page.locator('[aria-live="polite"][role="status"]').textContent()).resolves.toBe('harbour-notes.md: completed');

    await page.getByLabel('Query').fill('crane lifting containers onto the train');
    await page.getByLabel('Query').press('Enter');
    const first = page.locator('#search-results li').first();
    await first.waitFor();
    await expect(first.locator('.chunk').textContent()).resolves.toBe(NOTE);
    await expect(first.locator('.meta').textContent()).resolves.toMatch(/^score 0\.\d{3} · harbour-notes\.md · chunk 0$/);
    expect(foreignRequests).toEqual([]);
  });

  it('should upload a PDF through the file input and show its page in the search results', async () => {
    const pdf = join(work, 'annual-report.pdf');
    writeFileSync(pdf, await samplePdf());
    // The page sends the server's default chunking; this PDF's pages are long enough that the sentence's
    // chunk may cross a page break, so the result names the page it starts on (and where it ends).
    await page.locator('#file-input').setInputFiles(pdf);
    await row('annual-report.pdf').locator('.status', { hasText: 'completed' }).waitFor({ timeout: 20_000 });

    await page.getByLabel('Query').fill(SENTENCES.pdfPage2);
    await page.getByRole('button', { name: 'Search' }).click();
    const first = page.locator('#search-results li').first();
    await first.locator('.meta', { hasText: 'annual-report.pdf' }).waitFor();
    await expect(first.locator('.chunk').textContent()).resolves.toContain(SENTENCES.pdfPage2);
    await expect(first.locator('.meta').textContent()).resolves.toMatch(/annual-report\.pdf · page [12](–[23])?/);
    await expect(page.locator('#search-summary').textContent()).resolves.toMatch(/^\d+ results? for “/);

    mkdirSync(join(REPO_ROOT, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);
  });

  it('should delete an ingestion from the list, and its chunks from search', async () => {
    await row('harbour-notes.md').getByRole('button', { name: 'Delete harbour-notes.md' }).click();
    await row('harbour-notes.md').waitFor({ state: 'detached' });
    await expect(page.locator('#status-announcer').textContent()).resolves.toBe('harbour-notes.md deleted');
    const search = await app.json('POST', '/v1/search', { query: NOTE, top_k: 10 });
    expect(search.body.results.map((r: { source_metadata: { source: string } }) => r.source_metadata.source)).not.toContain('harbour-notes.md');
  });
});
