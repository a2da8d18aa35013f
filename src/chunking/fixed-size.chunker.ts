import { Injectable } from '@nestjs/common';
import { Chunker, TextChunk } from './chunker';
import type { ChunkingOptions } from './chunking-options';
import { measureFor, recursiveWindows, Span, toChunks, WORD } from './spans';

/**
 * In characters: windows of at most `chunk_size` characters; each next window starts `chunk_overlap` characters before the
 * previous one ended. A window ending inside a word is pulled back to the last whitespace in its second
 * half, and an overlap starting inside a word moves on to the next word, so words are not cut unless a
 * single "word" is longer than half a chunk.
 * In tokens: whole words packed into windows of at most `chunk_size` tokens, overlapping by up to
 * `chunk_overlap` tokens of whole words.
 */
@Injectable()
export class FixedSizeChunker extends Chunker {
  readonly strategy = 'fixed' as const;

  split(text: string, options: ChunkingOptions): TextChunk[] {
    const spans = options.size_unit === 'tokens' ? tokenWindows(text, options) : characterWindows(text, options.chunk_size, options.chunk_overlap);
    return toChunks(text, spans.map((span) => ({ span })));
  }
}

function tokenWindows(text: string, { chunk_size: size, chunk_overlap: overlap }: ChunkingOptions): Span[] {
  const measure = measureFor(text, 'tokens');
  return recursiveWindows(text, { start: 0, end: text.length }, [WORD], size, overlap, measure);
}

function characterWindows(text: string, size: number, overlap: number): Span[] {
  const windows: Span[] = [];
  let start = skipWhitespace(text, 0);
  while (start < text.length) {
    let end = Math.min(start + size, text.length);
    if (end < text.length && !isWhitespace(text.charCodeAt(end))) {
      const cut = lastWhitespace(text, start + Math.ceil(size / 2), end);
      if (cut > start) end = cut;
    }
    const trimmedEnd = trimEnd(text, start, end);
    windows.push({ start, end: trimmedEnd });
    if (end >= text.length) break;
    // Always move forward, even when the overlap would reach back to (or before) this chunk's start.
    start = skipWhitespace(text, nextWordStart(text, Math.max(end - overlap, start + 1), end));
  }
  return windows;
}

function isWhitespace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13) || code === 160 || code === 0x2028 || code === 0x2029;
}

function skipWhitespace(text: string, from: number): number {
  let i = from;
  while (i < text.length && isWhitespace(text.charCodeAt(i))) i++;
  return i;
}

function trimEnd(text: string, start: number, end: number): number {
  let i = end;
  while (i > start && isWhitespace(text.charCodeAt(i - 1))) i--;
  return i;
}

/** `from`, or if that is inside a word, the start of the next word before `limit` (else `from`). */
function nextWordStart(text: string, from: number, limit: number): number {
  if (from === 0 || isWhitespace(text.charCodeAt(from - 1))) return from;
  for (let i = from; i < limit; i++) if (isWhitespace(text.charCodeAt(i))) return i;
  return from;
}

/** Index of the last whitespace character in [from, to), or -1. */
function lastWhitespace(text: string, from: number, to: number): number {
  for (let i = to - 1; i >= from; i--) if (isWhitespace(text.charCodeAt(i))) return i;
  return -1;
}
