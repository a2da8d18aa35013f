import { Injectable } from '@nestjs/common';
import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { AppError, ErrorCode } from '../common/errors/app-error';
import type { TextUpload } from '../common/text-upload';
import { ExtractionSandbox } from './extraction-sandbox';
import type { FileKind } from './file-kind';
import { decodeText, type ExtractedText } from './parsers';

export type { ExtractedText } from './parsers';

/** Bytes read at a time from a plain-text file: its parts stay young, small strings (see openText). */
const READ_BYTES = 64 * 1024;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Turns a stored upload into text. Every failure to read it is an UNREADABLE_FILE error (422): the file
 * was received but its content cannot be used, which the client can only fix by sending another file.
 * PDF and HTML are parsed in the sandbox (a child process under limits); plain text is only decoded, which
 * no file can make costly, so it stays here.
 */
@Injectable()
export class TextExtractor {
  constructor(private readonly sandbox: ExtractionSandbox) {}

  async extract(path: string, kind: FileKind): Promise<ExtractedText> {
    const extracted = isPlainText(kind) ? { text: decodeText(await readFile(path)) } : await this.sandbox.extract(path, kind);
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
    if ((error as { code?: unknown }).code === 'ERR_ENCODING_INVALID_ENCODED_DATA')
      throw new AppError(ErrorCode.UnreadableFile, 'The file is not valid UTF-8 text');
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
