import { Injectable } from '@nestjs/common';
import { convert } from 'html-to-text';
import { readFile } from 'node:fs/promises';
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

/**
 * Turns a stored upload into text. Every failure to read it is an UNREADABLE_FILE error (422): the file
 * was received but its content cannot be used, which the client can only fix by sending another file.
 */
@Injectable()
export class TextExtractor {
  async extract(path: string, kind: FileKind): Promise<ExtractedText> {
    const bytes = await readFile(path);
    const extracted = kind === 'pdf' ? await extractPdf(bytes) : { text: decodeText(bytes, kind) };
    if (!/\S/.test(extracted.text)) {
      throw new AppError(ErrorCode.UnreadableFile, kind === 'pdf' ? 'The PDF has no text layer (a scanned document?)' : 'The file holds no text');
    }
    return extracted;
  }
}

function decodeText(bytes: Buffer, kind: Exclude<FileKind, 'pdf'>): string {
  let text: string;
  try {
    // fatal: invalid UTF-8 is refused rather than silently turned into U+FFFD; the BOM is dropped.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new AppError(ErrorCode.UnreadableFile, 'The file is not valid UTF-8 text');
  }
  if (text.includes('\u0000')) throw new AppError(ErrorCode.UnreadableFile, 'The file is binary, not text');
  return kind === 'html' ? convert(text, HTML_OPTIONS).trim() : text;
}

async function extractPdf(bytes: Buffer): Promise<ExtractedText> {
  if (bytes.subarray(0, 1024).indexOf('%PDF-') === -1) throw new AppError(ErrorCode.UnreadableFile, 'The file is not a PDF');
  let pages: string[];
  try {
    // unpdf is ESM-only; its serverless pdf.js build needs no canvas and no worker. readFile gave this
    // buffer its own memory, so pdf.js may take it over without a copy.
    const { extractText, getDocumentProxy } = await import('unpdf');
    // verbosity 0: pdf.js's warnings about damaged files would otherwise go to the console, not the logger.
    const document = await getDocumentProxy(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), { verbosity: 0 });
    pages = (await extractText(document, { mergePages: false })).text;
  } catch (error) {
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
