import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { samplePdf, SENTENCES } from '../../test/factories/documents.factory';
import { deeplyNestedHtml, hugeHtmlTable, pdfWithFlateBomb, pdfWithPageReferences } from '../../test/factories/hostile-files.factory';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { loadConfig } from '../config/app-config';
import { ExtractionSandbox } from './extraction-sandbox';

/** The sandbox forks the TypeScript child here (compiled on load by SWC), as the built service forks the JavaScript one. */
describe(ExtractionSandbox.name, () => {
  let dir: string;

  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'sandbox-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const sandbox = (env: Record<string, string> = {}) => new ExtractionSandbox(loadConfig(env));
  const file = (name: string, content: Buffer | string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  /** This process's live children (Linux): every extraction child must be gone once its promise settles. */
  const children = () => readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').trim();

  const refusal = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  };

  afterEach(() => expect(children()).toBe(''));

  it('should extract a PDF in a child process and report its peak memory', async () => {
    const { text, pageStarts, peakRssMb } = await sandbox().extract(file('a.pdf', await samplePdf()), 'pdf');
    expect(text).toContain(SENTENCES.pdfPage2);
    expect(pageStarts).toHaveLength(3);
    expect(peakRssMb).toBeGreaterThan(10);
  });

  it('should refuse a PDF of more pages than FILE_MAX_PAGES, naming the limit', async () => {
    const error = await refusal(sandbox().extract(file('pages.pdf', pdfWithPageReferences(20_000)), 'pdf'));
    expect(error).toMatchObject({ code: ErrorCode.UnreadableFile, message: 'The PDF has 20000 pages; FILE_MAX_PAGES is 5000' });
  });

  it('should kill an extraction that outgrows FILE_EXTRACT_MEMORY_MB, however it allocates', async () => {
    const sut = sandbox({ FILE_EXTRACT_MEMORY_MB: '256', FILE_EXTRACT_TIMEOUT_MS: '120000' });
    const error = await refusal(sut.extract(file('bomb.pdf', await pdfWithFlateBomb(300)), 'pdf'));
    expect(error).toMatchObject({ code: ErrorCode.UnreadableFile, message: 'Extracting the PDF needed more than FILE_EXTRACT_MEMORY_MB (256 MB)' });
    // Killed within one memory check of the cap (generous: a bound, not a measurement).
    expect(error.details).toMatchObject({ peak_rss_mb: expect.any(Number) });
    expect((error.details as { peak_rss_mb: number }).peak_rss_mb).toBeLessThan(256 + 300);
  });

  it('should stop a PDF of 200,000 page references (once a heap exhaustion of the service) by time or memory', async () => {
    // FILE_MAX_PAGES out of the way: the limits of the child alone must hold.
    const sut = sandbox({ FILE_MAX_PAGES: '1000000', FILE_EXTRACT_MEMORY_MB: '256', FILE_EXTRACT_TIMEOUT_MS: '10000' });
    const error = await refusal(sut.extract(file('refs.pdf', pdfWithPageReferences(200_000)), 'pdf'));
    expect(error).toMatchObject({
      code: ErrorCode.UnreadableFile,
      message: expect.stringMatching(/FILE_EXTRACT_MEMORY_MB \(256 MB\)|FILE_EXTRACT_TIMEOUT_MS \(10000 ms\)/),
    });
  });

  it('should kill an extraction that takes longer than FILE_EXTRACT_TIMEOUT_MS', async () => {
    const sut = sandbox({ FILE_EXTRACT_TIMEOUT_MS: '300', FILE_EXTRACT_MEMORY_MB: '4096' });
    const error = await refusal(sut.extract(file('table.html', hugeHtmlTable(1000)), 'html'));
    expect(error).toMatchObject({
      code: ErrorCode.UnreadableFile,
      message: 'Extracting the HTML page took longer than FILE_EXTRACT_TIMEOUT_MS (300 ms)',
    });
  });

  it('should refuse an HTML page nested deeper than the parser can go, as unreadable', async () => {
    const error = await refusal(sandbox().extract(file('deep.html', deeplyNestedHtml()), 'html'));
    expect(error).toMatchObject({ code: ErrorCode.UnreadableFile, message: expect.stringMatching(/^The HTML cannot be read: .*call stack/) });
  });

  it('should refuse extractions beyond FILE_EXTRACT_CONCURRENCY at once, and take them again after', async () => {
    const sut = sandbox({ FILE_EXTRACT_CONCURRENCY: '1' });
    const pdf = file('ok.pdf', await samplePdf());
    const first = sut.extract(pdf, 'pdf');
    const busy = await refusal(sut.extract(pdf, 'pdf'));
    expect(busy).toMatchObject({ code: ErrorCode.ExtractionBusy, message: expect.stringContaining('FILE_EXTRACT_CONCURRENCY is 1') });
    expect((await first).pageStarts).toHaveLength(3);
    expect((await sut.extract(pdf, 'pdf')).pageStarts).toHaveLength(3);
  });

  it('should leave no file of its own behind', () => {
    expect(readdirSync(dir).sort()).toEqual(['bomb.pdf', 'deep.html', 'ok.pdf', 'a.pdf', 'pages.pdf', 'refs.pdf', 'table.html'].sort());
  });
});
