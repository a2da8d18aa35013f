import { Injectable } from '@nestjs/common';
import { Chunker, TextChunk } from './chunker';
import type { ChunkingOptions } from './chunking-options';
import { isWhitespace, measureFor, recursiveWindows, Span, toChunks, WORD } from './spans';
import { ChunkStream, plain, shift, StreamTuning } from './streaming';
import type { TextSource } from './text-source';

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
    return toChunks(
      text,
      spans.map((span) => ({ span })),
    );
  }

  stream(source: TextSource, options: ChunkingOptions, tuning?: StreamTuning): AsyncIterable<TextChunk> {
    const stream = new ChunkStream(source, options.size_unit ?? 'characters', tuning);
    const { chunk_size: size, chunk_overlap: overlap } = options;
    return stream.chunks(
      plain(options.size_unit === 'tokens' ? stream.windows(stream.whole, [WORD], size, overlap) : streamedCharacterWindows(stream, size, overlap)),
    );
  }
}

function tokenWindows(text: string, { chunk_size: size, chunk_overlap: overlap }: ChunkingOptions): Span[] {
  const measure = measureFor(text, 'tokens');
  return recursiveWindows(text, { start: 0, end: text.length }, [WORD], size, overlap, measure);
}

function characterWindows(text: string, size: number, overlap: number): Span[] {
  const windows: Span[] = [];
  for (let start = skipWhitespace(text, 0); start < text.length;) {
    const { span, next } = characterWindow(text, start, size, overlap, true)!;
    windows.push(span);
    start = next;
  }
  return windows;
}

/**
 * characterWindows while the text is read: the window and the next one's start only depend on the text from
 * this window's start to a little past its end, so the text before it is let go.
 */
async function* streamedCharacterWindows(stream: ChunkStream, size: number, overlap: number): AsyncGenerator<Span> {
  const { main, source } = stream;
  let start = 0;
  for (let ahead = stream.readAhead; ; ahead *= 2) {
    await main.cover(start, start + ahead);
    start = main.start + skipWhitespace(main.text, start - main.start);
    if (start < main.end || main.end === source.length) break;
  }
  for (let ahead = size + stream.readAhead; start < source.length;) {
    if (!main.covers(start, start + ahead)) await main.cover(start, start + ahead);
    const step = characterWindow(main.text, start - main.start, size, overlap, main.end === source.length);
    if (!step) {
      ahead *= 2; // a long run of whitespace: read on until it ends
      continue;
    }
    // Positions in absolute terms before yielding: the consumer releases the text before the chunk.
    const next = main.start + step.next;
    yield shift(step.span, main.start);
    start = next;
    ahead = size + stream.readAhead;
  }
}

/**
 * The window that starts at `start` (a word's start) and where the next window starts. `text` may stop short of
 * the document's end unless `whole`: then undefined when it is too short to tell.
 */
function characterWindow(text: string, start: number, size: number, overlap: number, whole: boolean): { span: Span; next: number } | undefined {
  if (!whole && start + size >= text.length) return undefined;
  let end = Math.min(start + size, text.length);
  if (end < text.length && !isWhitespace(text.charCodeAt(end))) {
    const cut = lastWhitespace(text, start + Math.ceil(size / 2), end);
    if (cut > start) end = cut;
  }
  const span = { start, end: trimEnd(text, start, end) };
  if (end >= text.length) return { span, next: text.length };
  // Always move forward, even when the overlap would reach back to (or before) this chunk's start.
  const next = skipWhitespace(text, nextWordStart(text, Math.max(end - overlap, start + 1), end));
  return whole || next < text.length ? { span, next } : undefined;
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
