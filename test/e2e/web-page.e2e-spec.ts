import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { samplePdf, SENTENCES } from '../factories/documents.factory';
import { AppProcess, databaseEnv } from '../support/app-process';
import { REPO_ROOT } from '../support/cli-process';
import { EmbeddingServer, REPLIES } from '../support/embedding-server';
import { eventually } from '../support/http';
import { createTestDatabase, describeDatabase, TestDatabase } from '../support/test-database';

/** Debian's chromium package; `.ci/run` installs it. */
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');
const NOTE = 'The harbour crane lifts shipping containers of forty tonnes onto the night train.';
/** Event-driven waits only; this bounds each of them (the machine may be busy). */
const WAIT = { timeout: 60_000 };

function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)`);
  return chromium.launch({
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
}

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, name);
  await page.screenshot({ path, fullPage: true });
  expect(existsSync(path)).toBe(true);
}

/** Resolves once the element holds the text (it may be visually hidden, as a live region is). */
const holds = (locator: Locator, text: string | RegExp) => locator.filter({ hasText: text }).waitFor({ state: 'attached', ...WAIT });

// Code run in the page reaches its document through globalThis: this program is compiled without the DOM's types.

/** Resolves once the element that `selector` finds has the focus. */
const focusOn = (page: Page, selector: string) =>
  page.waitForFunction(
    (s) => {
      const { document } = globalThis as any;
      return document.activeElement !== null && document.activeElement === document.querySelector(s);
    },
    selector,
    WAIT,
  );

/** A markdown guide of 25 chunks at chunk_size 100: two pages of the console's 20 chunks. */
function guideMarkdown(): string {
  const steps = Array.from({ length: 22 }, (_, i) => `Step ${i + 1} of the install: copy the files to the folder and check them once.`);
  return `# Guide\n\nAn introduction to the tool.\n\n## Install\n\n${steps.join('\n\n')}\n\n## Use\n\nRun it and read the report it writes.\n`;
}

/**
 * The web console at `/` in headless Chromium, against the built service running as a process. Its embedding
 * provider is a loopback OpenAI-compatible server the test scripts: it answers, refuses (an ingestion fails) or
 * hangs (an ingestion stays running, and the one after it accepted).
 */
describeDatabase('the web console', () => {
  let database: TestDatabase;
  let provider: EmbeddingServer;
  let app: AppProcess;
  let browser: Browser;
  let page: Page;
  const foreignRequests: string[] = [];
  const replies = REPLIES;
  let mode: keyof typeof replies = 'embed';
  /** Requests answered whatever the mode, before it applies. */
  let answerFirst = 0;

  beforeAll(async () => {
    database = createTestDatabase();
    provider = await EmbeddingServer.start('openai', { script: () => (answerFirst-- > 0 ? replies.embed : replies[mode]) });
    app = await AppProcess.start({
      ...databaseEnv(database.config()),
      POLL_INTERVAL_MS: '50',
      EMBEDDING_PROVIDER: 'openai',
      EMBEDDING_BASE_URL: provider.baseUrl,
      EMBEDDING_MODEL: 'test-model',
      EMBEDDING_TIMEOUT_MS: '600000',
      // One request per batch of the worker (256 chunks), so "answer one request" means "embed one batch".
      EMBEDDING_BATCH_SIZE: '256',
    }).then((started) => started.ready());
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    page.on('request', (request) => {
      if (!request.url().startsWith(app.baseUrl)) foreignRequests.push(request.url());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await provider?.stop();
    await database?.drop();
  });

  // Each test starts from the documents list (so one that fails in a document's view does not fail the next).
  beforeEach(async () => {
    if (page.url().includes('#/documents/')) await page.getByRole('link', { name: '← All documents' }).click();
  });

  const row = (name: string) => page.locator('#document-rows tr', { hasText: name });
  const statusOf = (name: string, status: string) => row(name).locator('.status', { hasText: status }).waitFor(WAIT);
  const ingest = async (body: Record<string, unknown>) => {
    const { status, body: answer } = await app.json('POST', '/v1/ingest', body);
    expect(status).toBe(202);
    return answer.id as string;
  };
  /** Picks a collection in the switcher, after the console has read the collections again. */
  const switchTo = async (collection: string) => {
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.locator(`#collection option[value="${collection}"]`).waitFor({ state: 'attached', ...WAIT });
    await page.getByLabel('Collection', { exact: true }).selectOption(collection);
    await holds(page.locator('#collection-summary'), `${collection}: `);
  };
  const search = async (query: string, options: { mode?: string; metadata?: string } = {}) => {
    await page.getByLabel('Query').fill(query);
    await page.getByLabel('Mode').selectOption(options.mode ?? 'hybrid');
    await page.getByLabel(/^Metadata filter/).fill(options.metadata ?? '');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
  };
  const pageNames = () => page.locator('#document-rows tr .name').allTextContents();

  it('should ingest pasted text, show it completed, find it by search, and load nothing from elsewhere', async () => {
    await page.goto(`${app.baseUrl}/`);
    await expect(page.title()).resolves.toBe('ingestion-service');
    await expect(page.locator('link[rel="icon"]').getAttribute('href')).resolves.toBe('/assets/favicon.svg');
    const icon = await fetch(`${app.baseUrl}/assets/favicon.svg`);
    expect([icon.status, icon.headers.get('content-type'), (await icon.text()).startsWith('<svg')]).toEqual([200, 'image/svg+xml', true]);

    // Labelled controls: found by their labels, as assistive technology finds them.
    await page.getByLabel('Text', { exact: true }).fill(NOTE);
    await page.getByLabel('Source name').fill('harbour-notes.md');
    await page.getByRole('button', { name: 'Ingest text' }).click();

    await statusOf('harbour-notes.md', 'completed');
    await expect(row('harbour-notes.md').locator('.chunks').textContent()).resolves.toBe('1');
    await holds(page.locator('#status-announcer'), 'harbour-notes.md: completed');
    await holds(page.locator('#collection'), 'default (1)');

    await search('crane lifting containers onto the train', { mode: 'vector' });
    const first = page.locator('#search-results > li').first();
    await first.waitFor(WAIT);
    await expect(first.locator('.chunk-text').textContent()).resolves.toBe(NOTE);
    await expect(first.locator('.hits .meta').first().textContent()).resolves.toMatch(/^#1 harbour-notes\.md · chunk 0 · score 0\.\d{3}/);
    expect(foreignRequests).toEqual([]);
  });

  it('should upload a PDF through the file input and show its pages, in search results and among its chunks', async () => {
    // The page sends the server's default chunking; this PDF's pages are long enough that the sentence's
    // chunk may cross a page break, so the result names the page it starts on (and where it ends).
    await page.locator('#file-input').setInputFiles({ name: 'annual-report.pdf', mimeType: 'application/pdf', buffer: await samplePdf() });
    await statusOf('annual-report.pdf', 'completed');

    await search(SENTENCES.pdfPage2);
    const hit = page.locator('#search-results > li', { hasText: SENTENCES.pdfPage2 }).first();
    await hit.locator('.hits .meta', { hasText: 'annual-report.pdf' }).first().waitFor(WAIT);
    await expect(hit.locator('.hits .meta').first().textContent()).resolves.toMatch(/annual-report\.pdf · pages? [12](–[23])? · chunk \d/);
    await expect(page.locator('#search-summary').textContent()).resolves.toMatch(/^\d+ results? for “.*” in default \(hybrid\)/);
    await screenshot(page, 'web-search.png');

    await row('annual-report.pdf').getByRole('link', { name: 'annual-report.pdf' }).click();
    await page.locator('#document-heading', { hasText: 'annual-report.pdf' }).waitFor(WAIT);
    await page.locator('#chunks .pages').first().waitFor(WAIT);
    await expect(page.locator('#chunks .pages').first().textContent()).resolves.toMatch(/^pages? 1/);
    await page.getByRole('link', { name: '← All documents' }).click();
    await row('annual-report.pdf').waitFor(WAIT);
  });

  it('should show why an upload was refused at the drop zone', async () => {
    await page.locator('#file-input').setInputFiles([
      { name: 'tool.exe', mimeType: 'application/octet-stream', buffer: Buffer.from('MZ not a document') },
      { name: 'empty.txt', mimeType: 'text/plain', buffer: Buffer.alloc(0) },
    ]);
    const errors = page.locator('#drop-zone #drop-errors');
    await holds(errors.locator('li[data-code="UNSUPPORTED_MEDIA_TYPE"]'), 'tool.exe: UNSUPPORTED_MEDIA_TYPE: ');
    await holds(errors.locator('li[data-code="EMPTY_FILE"]'), 'empty.txt: EMPTY_FILE: ');
    await expect(page.locator('#uploads li').count()).resolves.toBe(0);
  });

  it('should switch collection and page through 120 documents, newest first', async () => {
    const documents = Array.from({ length: 120 }, (_, i) => ({
      text: `Fleet note ${i + 1}: truck ${i + 1} needs new tyres before the winter.`,
      collection: 'fleet',
      source_metadata: { source: `fleet-${String(i + 1).padStart(3, '0')}.md` },
    }));
    expect((await app.json('POST', '/v1/ingest/batch', { documents })).status).toBe(202);
    const newestFirst = (await app.json('GET', '/v1/ingest?collection=fleet&limit=500')).body.items.map((item: { id: string }) => item.id);

    await switchTo('fleet');
    await holds(page.locator('#collection-summary'), 'fleet: 120 documents');
    expect(await page.locator('#collection').inputValue()).toBe('fleet');
    const pages: string[][] = [];
    const ids: string[] = [];
    for (let n = 1; n <= 5; n++) {
      const first = (n - 1) * 25 + 1;
      await holds(page.locator('#page-info'), `Page ${n} · ${first}–${Math.min(first + 24, 120)} of 120`);
      pages.push(await pageNames());
      ids.push(...(await page.locator('#document-rows tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')!))));
      if (n < 5) await page.getByRole('button', { name: 'Next' }).click();
    }
    expect(pages.map((names) => names.length)).toEqual([25, 25, 25, 25, 20]);
    expect(new Set(pages.flat()).size).toBe(120);
    expect(ids).toEqual(newestFirst);
    await expect(page.getByRole('button', { name: 'Next' }).isDisabled()).resolves.toBe(true);

    await page.getByRole('button', { name: 'Previous' }).click();
    await holds(page.locator('#page-info'), 'Page 4 · 76–100 of 120');
    await expect(pageNames()).resolves.toEqual(pages[3]);

    // The status filter, with its counts, once the poller is through them.
    await holds(page.locator('#status-filter'), 'completed (120)');
    await page.getByLabel('Status').selectOption('completed');
    await holds(page.locator('#page-info'), 'Page 1 · 1–25 of 120');
    await page.getByLabel('Status').selectOption('failed');
    await holds(page.locator('#documents-empty'), 'No failed documents in fleet.');
    await page.getByLabel('Status').selectOption('');
  });

  it("should open a document's chunks, with their heading paths, a page at a time", async () => {
    await ingest({
      text: guideMarkdown(),
      source_metadata: { source: 'guide.md' },
      chunking: { strategy: 'markdown', chunk_size: 100, chunk_overlap: 0 },
    });
    await switchTo('default');
    await statusOf('guide.md', 'completed');
    const chunkCount = Number(await row('guide.md').locator('.chunks').textContent());
    expect(chunkCount).toBeGreaterThan(20);

    await row('guide.md').getByRole('link', { name: 'guide.md' }).click();
    await page.locator('#document-heading', { hasText: 'guide.md' }).waitFor(WAIT);
    await focusOn(page, '#document-heading');
    await holds(page.locator('#chunks-info'), `Chunks 1–20 of ${chunkCount}`);
    await expect(page.locator('#chunks > li').count()).resolves.toBe(20);
    await expect(page.locator('#chunks > li').first().locator('.headings').textContent()).resolves.toBe('Guide');
    await expect(page.locator('#chunks > li').nth(3).locator('.headings').textContent()).resolves.toBe('Guide › Install');
    await holds(page.locator('#document-facts'), 'strategy markdown');

    await page.getByRole('button', { name: 'Next chunks' }).click();
    await holds(page.locator('#chunks-info'), `Chunks 21–${chunkCount} of ${chunkCount}`);
    await expect(page.locator('#chunks > li').last().locator('.headings').textContent()).resolves.toBe('Guide › Use');
    await expect(page.locator('#chunks > li').last().locator('.chunk-text').textContent()).resolves.toContain('read the report it writes');
    await page.getByRole('button', { name: 'Previous chunks' }).click();
    await holds(page.locator('#chunks-info'), `Chunks 1–20 of ${chunkCount}`);

    await page.getByRole('link', { name: '← All documents' }).click();
    await row('guide.md').waitFor(WAIT);
  });

  it('should retry a failed ingestion from the table, and show why it failed before', async () => {
    mode = 'refuse';
    await page.getByLabel('Text', { exact: true }).fill('The pump manual, first edition.');
    await page.getByLabel('Source name').fill('pump-manual.md');
    await page.getByRole('button', { name: 'Ingest text' }).click();
    await statusOf('pump-manual.md', 'failed');
    await holds(row('pump-manual.md').locator('.detail'), 'HTTP 400');
    await holds(page.locator('#status-filter'), 'failed (1)');

    mode = 'embed';
    await row('pump-manual.md').getByRole('button', { name: 'Retry pump-manual.md' }).click();
    await statusOf('pump-manual.md', 'completed');
    await expect(row('pump-manual.md').getByRole('button', { name: 'Retry pump-manual.md' }).count()).resolves.toBe(0);

    await row('pump-manual.md').getByRole('link', { name: 'pump-manual.md' }).click();
    await holds(page.locator('#document-attempts-panel summary'), 'Attempts (2)');
    await page.locator('#document-attempts-panel summary').click();
    await expect(page.locator('#document-attempts tr td:nth-child(2)').allTextContents()).resolves.toEqual(['failed', 'completed']);
    await page.getByRole('link', { name: '← All documents' }).click();
    await row('pump-manual.md').waitFor(WAIT);
  });

  it('should show a running ingestion with a progress bar, and cancel it and an accepted one', async () => {
    // 600 chunks, embedded 256 a request: the provider answers the first request, then stops answering, so
    // the first ingestion stays running at 256 of 600 and the one after it waits, accepted.
    mode = 'hang';
    answerFirst = 1;
    const words = Array.from({ length: 600 }, (_, i) => `Segment ${String(i).padStart(4, '0')} of the log.`);
    const hung = await ingest({
      text: words.join(' '),
      source_metadata: { source: 'hung.md' },
      chunking: { strategy: 'fixed', chunk_size: 24, chunk_overlap: 0 },
    });
    let queued: string | undefined;
    try {
      const running = await eventually(async () => {
        const { body } = await app.json('GET', `/v1/status/${hung}`);
        return body.stage === 'embedding' && body.chunks_done > 0 ? body : undefined;
      }, 60_000);
      expect(running).toMatchObject({ status: 'running', chunks_done: 256 });
      queued = await ingest({ text: 'A text waiting for the worker.', source_metadata: { source: 'queued.md' } });

      await page.getByRole('button', { name: 'Refresh' }).click();
      await statusOf('hung.md', 'running');
      await holds(row('hung.md').locator('.detail'), `embedding 256/${running.chunks_total}`);
      const bar = row('hung.md').getByRole('progressbar', { name: 'hung.md progress' });
      await expect(Promise.all([bar.getAttribute('value'), bar.getAttribute('max')])).resolves.toEqual(['256', String(running.chunks_total)]);
      await statusOf('queued.md', 'accepted');
      await screenshot(page, 'web-in-flight.png');
      // The worker is still held by hung.md: queued.md stays accepted until it is cancelled.
      expect((await app.json('GET', `/v1/status/${queued}`)).body.status).toBe('accepted');

      await row('queued.md').getByRole('button', { name: 'Cancel queued.md' }).click();
      await statusOf('queued.md', 'cancelled');
      await row('hung.md').getByRole('button', { name: 'Cancel hung.md' }).click();
      await statusOf('hung.md', 'cancelled');
      for (const id of [queued, hung])
        expect((await app.json('GET', `/v1/status/${id}`)).body).toMatchObject({ status: 'cancelled', chunk_count: null });
      await expect(row('hung.md').getByRole('button', { name: 'Cancel hung.md' }).count()).resolves.toBe(0);
      await holds(page.locator('#collection-summary'), '2 cancelled');
    } finally {
      // Whatever failed above, the worker is let go, so the tests after this one are not held up behind it.
      mode = 'embed';
      for (const id of [hung, queued]) if (id) await app.json('POST', `/v1/ingest/${id}/cancel`);
    }
  });

  it('should search hybrid in the chosen collection, mark the query words, and group the same text found twice', async () => {
    const text = 'ERR-7F3A9 means the printer is out of ribbon. <img src=x onerror=alert(1)> is shown as text.';
    const ids = [
      await ingest({ text, collection: 'parts', source_metadata: { source: 'printer-a.md' } }),
      await ingest({ text, collection: 'parts', source_metadata: { source: 'printer-b.md' } }),
      await ingest({ text: 'The ribbon cartridges are kept in the second drawer.', collection: 'parts', source_metadata: { source: 'drawer.md' } }),
    ];
    for (const id of ids) await app.waitForStatus(id, 'completed', 60_000);
    await switchTo('parts');

    await search('what does ERR-7F3A9 mean');
    const first = page.locator('#search-results > li').first();
    await holds(first.locator('.repeat-note'), 'Same text in 2 results: #1, #2');
    await expect(first.locator('.hits .meta').allTextContents()).resolves.toEqual([
      expect.stringMatching(/^#1 printer-[ab]\.md · chunk 0 · score/),
      expect.stringMatching(/^#2 printer-[ab]\.md · chunk 0 · score/),
    ]);
    // Found by both retrievers, each with its own score.
    await expect(first.locator('.hits .meta').first().textContent()).resolves.toMatch(/\(.*vector -?\d\.\d{3}.*\)/);
    await expect(first.locator('.hits .meta').first().textContent()).resolves.toMatch(/\(.*keyword \d\.\d{3}.*\)/);
    await expect(first.locator('mark').allTextContents()).resolves.toEqual(['ERR-7F3A9', 'means']);
    // Markup in a chunk is text: nothing of it became an element.
    await expect(first.locator('.chunk-text').textContent()).resolves.toBe(text);
    await expect(page.locator('#search-results img').count()).resolves.toBe(0);
    await holds(page.locator('#search-summary'), /in parts \(hybrid\), \d+ distinct texts$/);
    await screenshot(page, 'web-search-hybrid.png');

    await search('ribbon', { metadata: '{"source": "printer-b.md"}' });
    await holds(page.locator('#search-summary'), '1 result for “ribbon” in parts (hybrid)');
    await expect(page.locator('#search-results .repeat-note').count()).resolves.toBe(0);
    await expect(page.locator('#search-results mark').allTextContents()).resolves.toEqual(['ribbon']);

    await search('ribbon', { metadata: '{"source": ' });
    await holds(page.locator('#search-error'), 'The metadata filter is not valid JSON');
    await expect(page.getByLabel(/^Metadata filter/).getAttribute('aria-invalid')).resolves.toBe('true');
  });

  it('should delete an ingestion after a confirmation, operable by keyboard, and its chunks from search', async () => {
    await switchTo('default');
    const remove = row('harbour-notes.md').getByRole('button', { name: 'Delete harbour-notes.md' });
    await remove.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog');
    await holds(dialog, 'Delete “harbour-notes.md” and its 1 chunk?');
    await focusOn(page, '#confirm-no');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden', ...WAIT });
    await focusOn(page, '#document-rows button[aria-label="Delete harbour-notes.md"]');
    await expect(row('harbour-notes.md').count()).resolves.toBe(1);

    await remove.click();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await row('harbour-notes.md').waitFor({ state: 'detached', ...WAIT });
    await holds(page.locator('#status-announcer'), 'harbour-notes.md: deleted');
    const found = await app.json('POST', '/v1/search', { query: NOTE, top_k: 10 });
    expect(found.body.results.map((r: { source_metadata: { source: string } }) => r.source_metadata.source)).not.toContain('harbour-notes.md');
  });

  it('should fit 390 px without horizontal scrolling, and start with a skip link for the keyboard', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = () =>
      page.evaluate(() => {
        const { document } = globalThis as any;
        return (document.documentElement.scrollWidth as number) - (document.documentElement.clientWidth as number);
      });
    await page.goto(`${app.baseUrl}/`);
    await row('guide.md').waitFor(WAIT);
    await page.keyboard.press('Tab');
    await focusOn(page, 'a.skip-link');
    await expect(overflow()).resolves.toBe(0);
    await search('copy the files to the folder');
    await page.locator('#search-results > li').first().waitFor(WAIT);
    await expect(overflow()).resolves.toBe(0);
    await screenshot(page, 'web-narrow.png');

    await row('guide.md').getByRole('link', { name: 'guide.md' }).click();
    await page.locator('#chunks > li').first().waitFor(WAIT);
    await expect(overflow()).resolves.toBe(0);
    await screenshot(page, 'web-narrow-document.png');
    expect(foreignRequests).toEqual([]);
  });
});

describeDatabase('the web console with API keys', () => {
  const KEY = 'console-test-key-0123456789abcdef';
  let database: TestDatabase;
  let app: AppProcess;
  let browser: Browser;

  beforeAll(async () => {
    database = createTestDatabase();
    app = await AppProcess.start({ ...databaseEnv(database.config()), POLL_INTERVAL_MS: '50', API_KEYS: KEY }).then((started) => started.ready());
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await database?.drop();
  });

  it('should serve the page without a key, ask for one, and send it as a Bearer token', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    // The page and its files hold no data: they are served without a key; the API is not.
    const statuses = async (...paths: string[]) =>
      Promise.all(
        paths.map(async (path) => {
          const answer = await fetch(`${app.baseUrl}${path}`);
          await answer.arrayBuffer();
          return answer.status;
        }),
      );
    await expect(statuses('/', '/assets/main.js', '/assets/favicon.svg', '/v1/collections')).resolves.toEqual([200, 200, 200, 401]);
    const response = await page.goto(`${app.baseUrl}/`);
    expect(response?.status()).toBe(200);
    const message = page.locator('#key-message');
    await holds(message, 'This service needs an API key: paste one here.');
    await focusOn(page, '#api-key');

    await page.getByLabel(/^API key/).fill('not-the-key');
    await page.getByRole('button', { name: 'Use key' }).click();
    await holds(message, 'The API key is not valid: paste another key.');

    await page.getByLabel(/^API key/).fill(KEY);
    await page.getByRole('button', { name: 'Use key' }).click();
    await holds(page.locator('#collection-summary'), 'default: 0 documents');
    await page.getByLabel('Text', { exact: true }).fill(NOTE);
    await page.getByRole('button', { name: 'Ingest text' }).click();
    await page.locator('#document-rows tr', { hasText: 'pasted text' }).locator('.status', { hasText: 'completed' }).waitFor(WAIT);
    // Kept for this tab only.
    await expect(page.evaluate(() => [sessionStorage.getItem('ingestion-service.api-key'), localStorage.length])).resolves.toEqual([KEY, 0]);
    await page.close();
  });
});
