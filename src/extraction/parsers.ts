import { convert } from 'html-to-text';
import { AppError, ErrorCode } from '../common/errors/app-error';
import type { FileKind } from './file-kind';

/** The text of a file, and for paged documents where each page starts in it. */
export interface ExtractedText {
  text: string;
  /** Character offset at which page i + 1 starts in `text` (PDF only). */
  pageStarts?: number[];
}

/** Placed between the pages of a PDF so that a chunk boundary falls there when it can. */
const PAGE_SEPARATOR = '\n\n';

/** Elements that are page furniture rather than content; html-to-text drops them and everything inside. */
const HTML_BOILERPLATE = ['script', 'style', 'noscript', 'template', 'nav', 'header', 'footer', 'aside', 'form', 'iframe', 'svg'];

const HTML_OPTIONS = {
  wordwrap: false as const,
  selectors: [
    ...HTML_BOILERPLATE.map((selector) => ({ selector, format: 'skip' })),
    { selector: 'a', options: { ignoreHref: true } },
    { selector: 'img', format: 'skip' },
    // Headings as written, not upper-cased: the text is for search, not for a terminal.
    ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, options: { uppercase: false } })),
    { selector: 'table', format: 'dataTable', options: { uppercaseHeaderCells: false } },
  ],
};

/** The bytes of a text file as UTF-8, refused (UNREADABLE_FILE) when they are not text. */
export function decodeText(bytes: Buffer): string {
  let text: string;
  try {
    // fatal: invalid UTF-8 is refused rather than silently turned into U+FFFD; the BOM is dropped.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new AppError(ErrorCode.UnreadableFile, 'The file is not valid UTF-8 text');
  }
  if (text.includes('\u0000')) throw new AppError(ErrorCode.UnreadableFile, 'The file is binary, not text');
  return text;
}

/**
 * The content of an HTML page. html-to-text recurses over the element tree, so a page nested a few thousand
 * levels deep overflows the stack: that, like any failure of the parser, is the file's fault (422), not ours.
 */
export function extractHtml(bytes: Buffer): ExtractedText {
  const html = decodeText(bytes);
  try {
    return { text: convert(html, HTML_OPTIONS).trim() };
  } catch (error) {
    throw new AppError(ErrorCode.UnreadableFile, `The HTML cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The text of each page of a PDF; a PDF of more than `maxPages` pages is refused before any page is read. */
export async function extractPdf(bytes: Buffer, maxPages: number): Promise<ExtractedText> {
  if (bytes.subarray(0, 1024).indexOf('%PDF-') === -1) throw new AppError(ErrorCode.UnreadableFile, 'The file is not a PDF');
  let pages: string[];
  try {
    // unpdf is ESM-only; its serverless pdf.js build needs no canvas and no worker. readFile gave this
    // buffer its own memory, so pdf.js may take it over without a copy.
    const { extractText, getDocumentProxy } = await import('unpdf');
    // verbosity 0: pdf.js's warnings about damaged files would otherwise go to the console, not the logger.
    const document = await getDocumentProxy(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), { verbosity: 0 });
    // The page count comes from the page tree's root: 6 bytes of `3 0 R` make a page, so a 120 KB file can
    // ask for 20,000 pages (48 s of extraction) — counted before a single page is parsed.
    if (document.numPages > maxPages) {
      throw new AppError(ErrorCode.UnreadableFile, `The PDF has ${document.numPages} pages; FILE_MAX_PAGES is ${maxPages}`);
    }
    pages = (await extractText(document, { mergePages: false })).text;
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError(ErrorCode.UnreadableFile, `The PDF cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  const pageStarts: number[] = [];
  let text = '';
  for (const page of pages) {
    if (pageStarts.length > 0) text += PAGE_SEPARATOR;
    pageStarts.push(text.length);
    text += page.trim();
  }
  return { text, pageStarts };
}

/** The kinds parsed in the sandbox (extraction-sandbox.ts): their parsers are where a hostile file does harm. */
export type SandboxedKind = Exclude<FileKind, 'text' | 'markdown'>;

export function extractSandboxed(bytes: Buffer, kind: SandboxedKind, maxPages: number): Promise<ExtractedText> | ExtractedText {
  switch (kind) {
    case 'pdf':
      return extractPdf(bytes, maxPages);
    case 'html':
      return extractHtml(bytes);
  }
}
