import { Injectable } from '@nestjs/common';
import { convert } from 'html-to-text';
import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { AppError, ErrorCode } from '../common/errors/app-error';
import type { TextUpload } from '../common/text-upload';
import type { FileKind } from './file-kind';

/** The text of a file, and for paged documents where each page starts in it. */
export interface ExtractedText {
  text: string;
  /** Character offset at which page i + 1 starts in `text` (PDF only). */
  pageStarts?: number[];
}

/** Bytes read at a time from a plain-text file: its parts stay young, small strings (see openText). */
const READ_BYTES = 64 * 1024;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

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

  /**
   * A plain-text file (isPlainText), checked in one pass, part by part, with the rules extract() applies to a
   * whole one: valid UTF-8, no NUL character, some text; UNREADABLE_FILE otherwise. Its text is never held whole.
   */
  openText(path: string): Promise<TextUpload> {
    return openText(path);
  }
}

/** Files whose text is their bytes, as UTF-8: read in parts by openText rather than whole. */
export function isPlainText(kind: FileKind): kind is 'text' | 'markdown' {
  return kind === 'text' || kind === 'markdown';
}

async function openText(path: string): Promise<TextUpload> {
  let length = 0;
  let hasText = false;
  for await (const part of decodedParts(path)) {
    if (part.includes('\u0000')) throw new AppError(ErrorCode.UnreadableFile, 'The file is binary, not text');
    length += part.length;
    hasText ||= /\S/.test(part);
  }
  if (!hasText) throw new AppError(ErrorCode.UnreadableFile, 'The file holds no text');
  const start = (await startsWithBom(path)) ? UTF8_BOM.length : 0;
  return { length, parts: () => decodedParts(path), bytes: () => createReadStream(path, { start, highWaterMark: READ_BYTES }) };
}

async function* decodedParts(path: string): AsyncGenerator<string> {
  // fatal: invalid UTF-8 is refused rather than silently turned into U+FFFD; the BOM is dropped.
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    for await (const bytes of createReadStream(path, { highWaterMark: READ_BYTES })) yield decoder.decode(bytes as Buffer, { stream: true });
    yield decoder.decode();
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_ENCODING_INVALID_ENCODED_DATA') throw new AppError(ErrorCode.UnreadableFile, 'The file is not valid UTF-8 text');
    throw error;
  }
}

async function startsWithBom(path: string): Promise<boolean> {
  const file = await open(path);
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(UTF8_BOM.length), 0, UTF8_BOM.length, 0);
    return bytesRead === UTF8_BOM.length && buffer.equals(UTF8_BOM);
  } finally {
    await file.close();
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
