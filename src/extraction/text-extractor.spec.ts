import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { samplePdf, SENTENCES, sampleHtml } from '../../test/factories/documents.factory';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { loadConfig } from '../config/app-config';
import { ExtractionSandbox } from './extraction-sandbox';
import { detectFileKind } from './file-kind';
import { pageMetadata } from './page-metadata';
import { TextExtractor } from './text-extractor';

describe(TextExtractor.name, () => {
  const sut = new TextExtractor(new ExtractionSandbox(loadConfig({})));
  let dir: string;

  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'extractor-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const file = (name: string, content: Buffer | string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  const expectUnreadable = async (promise: Promise<unknown>, message: RegExp) => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: ErrorCode.UnreadableFile, message: expect.stringMatching(message) });
  };

  it('should return text and markdown as they are, without a byte-order mark', async () => {
    expect(await sut.extract(file('a.txt', '\uFEFFhello\nworld'), 'text')).toEqual({ text: 'hello\nworld' });
    expect(await sut.extract(file('a.md', '# Title\n\nBody'), 'markdown')).toEqual({ text: '# Title\n\nBody' });
  });

  it('should keep the content of an HTML page and drop scripts, styles, navigation, header and footer', async () => {
    const { text, pageStarts } = await sut.extract(file('a.html', sampleHtml()), 'html');
    expect(text).toContain('How glaciers shape land');
    expect(text).toContain(SENTENCES.html);
    for (const boilerplate of ['pixel-secret', 'color: red', 'Menu item', 'Home', SENTENCES.htmlBoilerplate]) {
      expect(text).not.toContain(boilerplate);
    }
    expect(pageStarts).toBeUndefined();
  });

  it('should extract each page of a PDF and record where each page starts', async () => {
    const { text, pageStarts } = await sut.extract(file('a.pdf', await samplePdf()), 'pdf');
    expect(pageStarts).toHaveLength(3);
    const pages = pageStarts!.map((start, i) => text.slice(start, pageStarts![i + 1]));
    [SENTENCES.pdfPage1, SENTENCES.pdfPage2, SENTENCES.pdfPage3].forEach((sentence, i) => {
      expect(pages[i]).toContain(sentence);
      expect(pages[i]).toMatch(new RegExp(`^Page ${i + 1} filler line 1 `));
    });
  });

  it('should refuse invalid UTF-8, binary content, whitespace only, and a broken or fake PDF', async () => {
    await expectUnreadable(sut.extract(file('bad.txt', Buffer.from([0x68, 0xff, 0xfe, 0x69])), 'text'), /UTF-8/);
    await expectUnreadable(sut.extract(file('bin.txt', Buffer.from('ab\u0000cd')), 'text'), /binary/);
    await expectUnreadable(sut.extract(file('blank.md', ' \n\t '), 'markdown'), /no text/);
    await expectUnreadable(sut.extract(file('fake.pdf', 'just words'), 'pdf'), /not a PDF/);
    const pdf = await samplePdf();
    await expectUnreadable(sut.extract(file('cut.pdf', pdf.subarray(0, 200)), 'pdf'), /cannot be read|no text/);
    await expectUnreadable(sut.extract(file('empty-page.pdf', await samplePdf([''])), 'pdf'), /no text layer/);
  });

  describe('openText', () => {
    const collect = async <T>(items: AsyncIterable<T>) => {
      const all: T[] = [];
      for await (const item of items) all.push(item);
      return all;
    };

    it('should give the text that extract() gives, in parts, and its bytes without the byte order mark', async () => {
      // Multi-byte characters (a surrogate pair among them) across the 64 KiB reads.
      const text = 'Ledger café 账本 🚢 entry.\n'.repeat(20_000);
      const path = file('long.txt', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]));
      const opened = await sut.openText(path);
      const parts = await collect(opened.parts());
      expect(parts.length).toBeGreaterThan(5);
      expect(parts.join('')).toBe((await sut.extract(path, 'text')).text);
      expect(opened.length).toBe(text.length);
      for (const part of parts) expect(part).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
      expect(Buffer.concat(await collect(opened.bytes())).toString()).toBe(text);
    });

    it('should refuse what extract() refuses: invalid UTF-8 (even at the very end), binary content, whitespace only', async () => {
      await expectUnreadable(sut.openText(file('bad.txt', Buffer.from([0x68, 0xff, 0xfe, 0x69]))), /UTF-8/);
      await expectUnreadable(sut.openText(file('cut.txt', Buffer.from([0x63, 0x61, 0x66, 0xc3]))), /UTF-8/);
      await expectUnreadable(sut.openText(file('bin.txt', Buffer.from('ab\u0000cd'))), /binary/);
      await expectUnreadable(sut.openText(file('blank.md', ' \n\t ')), /no text/);
    });
  });
});

describe(detectFileKind.name, () => {
  it('should go by the extension, whatever the declared type', () => {
    expect(detectFileKind('Notes.TXT', 'application/octet-stream')).toBe('text');
    expect(detectFileKind('readme.markdown')).toBe('markdown');
    expect(detectFileKind('page.htm', 'text/plain')).toBe('html');
    expect(detectFileKind('report.pdf')).toBe('pdf');
  });

  it('should use the declared type only for a name without an extension', () => {
    expect(detectFileKind('README', 'text/markdown; charset=utf-8')).toBe('markdown');
    expect(detectFileKind('blob', 'application/pdf')).toBe('pdf');
    expect(detectFileKind('blob', 'application/octet-stream')).toBeUndefined();
  });

  it('should refuse other extensions even with a text type', () => {
    expect(detectFileKind('report.docx', 'text/plain')).toBeUndefined();
    expect(detectFileKind('photo.png', 'image/png')).toBeUndefined();
  });
});

describe(pageMetadata.name, () => {
  const starts = [0, 100, 250];

  it('should give the page a chunk starts on, and the last page when it runs on', () => {
    expect(pageMetadata(starts, 0, 50)).toEqual({ page: 1 });
    expect(pageMetadata(starts, 100, 250)).toEqual({ page: 2 });
    expect(pageMetadata(starts, 90, 120)).toEqual({ page: 1, page_end: 2 });
    expect(pageMetadata(starts, 260, 300)).toEqual({ page: 3 });
    expect(pageMetadata(starts, 50, 300)).toEqual({ page: 1, page_end: 3 });
  });

  it('should give nothing for a document without pages', () => {
    expect(pageMetadata(undefined, 0, 10)).toEqual({});
    expect(pageMetadata(null, 0, 10)).toEqual({});
  });
});
