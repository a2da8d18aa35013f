import { Injectable } from '@nestjs/common';
import { Chunker, TextChunk } from './chunker';
import type { ChunkingOptions } from './chunking-options';
import { RECURSIVE_SEPARATORS } from './recursive.chunker';
import { isWhitespace, Measure, measureFor, recursiveWindows, Span, SpanWithMetadata, toChunks, trimSpan } from './spans';
import { ChunkStream, shift, StreamTuning } from './streaming';
import { TextSource, TextWindow } from './text-source';

/** An ATX heading (`# Title` … `###### Title`, optional closing #s); setext headings are treated as text. */
const HEADING = /^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

interface Section {
  /** From the section's heading line (or an earlier heading with no text of its own) to the next heading. */
  span: Span;
  /** End of the heading line(s); equals span.start for text before the first heading. */
  bodyStart: number;
  headingPath: string[];
}

/**
 * Heading-aware: the text is cut into sections at headings (outside fenced code), and sections are chunked
 * with the recursive strategy, so a chunk never spans two sections and its `heading_path` metadata
 * (e.g. ["Guide", "Install", "Linux"]) says where it sits. A heading always stays in one chunk with the
 * start of its first paragraph, and a heading with no text before the next one is carried into that one.
 * Only a heading longer than half a chunk can make its first chunk exceed `chunk_size`.
 */
@Injectable()
export class MarkdownChunker extends Chunker {
  readonly strategy = 'markdown' as const;

  split(text: string, { chunk_size: size, chunk_overlap: overlap, size_unit }: ChunkingOptions): TextChunk[] {
    const measure = measureFor(text, size_unit ?? 'characters');
    return toChunks(
      text,
      sections(text).flatMap((section) => sectionWindows(text, section, size, overlap, measure)),
    );
  }

  stream(
    source: TextSource,
    { chunk_size: size, chunk_overlap: overlap, size_unit }: ChunkingOptions,
    tuning?: StreamTuning,
  ): AsyncIterable<TextChunk> {
    const stream = new ChunkStream(source, size_unit ?? 'characters', tuning);
    return stream.chunks(streamedSectionWindows(stream, size, overlap));
  }
}

/** A section's chunks: its body chunked recursively, the first chunk reaching back to take in the heading. */
function sectionWindows(text: string, section: Section, size: number, overlap: number, measure: Measure): SpanWithMetadata[] {
  const metadata = { heading_path: section.headingPath };
  const body = trimSpan(text, { start: section.bodyStart, end: section.span.end });
  if (body.end <= body.start) return [{ span: section.span, metadata }];
  const windows = recursiveWindows(text, body, RECURSIVE_SEPARATORS, headedBudget(section, size, measure), overlap, measure);
  windows[0] = { start: section.span.start, end: windows[0].end };
  return windows.map((span) => ({ span, metadata }));
}

/** Leave room for the heading in the first piece, unless the heading itself is most of a chunk. */
function headedBudget(section: Section, size: number, measure: Measure): number {
  const heading = { start: section.span.start, end: section.bodyStart };
  const headingSize = heading.end > heading.start ? measure(heading) : 0;
  return headingSize < size / 2 ? size - headingSize : size;
}

/** sectionWindows while the text is read: sections come from a scan ahead, long ones are chunked piece by piece. */
async function* streamedSectionWindows(stream: ChunkStream, size: number, overlap: number): AsyncGenerator<SpanWithMetadata> {
  for await (const section of streamedSections(stream.source, stream.readAhead)) {
    if (section.span.end - section.span.start <= stream.holdChars) {
      await stream.load(section.span);
      const { text, start } = stream.main;
      const local = { ...section, span: shift(section.span, -start), bodyStart: section.bodyStart - start };
      for (const { span, metadata } of sectionWindows(text, local, size, overlap, measureFor(text, stream.unit)))
        yield { span: shift(span, start), metadata };
      continue;
    }
    const metadata = { heading_path: section.headingPath };
    const body = await stream.trim({ start: section.bodyStart, end: section.span.end });
    if (body.end <= body.start) {
      yield { span: section.span, metadata };
      continue;
    }
    await stream.load({ start: section.span.start, end: section.bodyStart });
    const budget = headedBudget(section, size, stream.measureHeld);
    let first = true;
    for await (const window of stream.windows(body, RECURSIVE_SEPARATORS, budget, overlap)) {
      yield { span: first ? { start: section.span.start, end: window.end } : window, metadata };
      first = false;
    }
  }
}

function sections(text: string): Section[] {
  const scanner = new SectionScanner();
  const result: Section[] = [];
  let lineStart = 0;
  while (lineStart <= text.length) {
    const newline = text.indexOf('\n', lineStart);
    const lineEnd = newline === -1 ? text.length : newline + 1;
    const closed = scanner.line(lineStart, lineEnd, text.slice(lineStart, newline === -1 ? text.length : newline));
    if (closed) result.push(closed);
    if (newline === -1) break;
    lineStart = lineEnd;
  }
  result.push(scanner.finish(text.length));
  return result;
}

/** sections() over a text read in parts, with a window of its own that holds a line at a time. */
async function* streamedSections(source: TextSource, readAhead: number): AsyncGenerator<Section> {
  const window = new TextWindow(source);
  const scanner = new SectionScanner();
  let lineStart = 0;
  for (let ahead = readAhead; ;) {
    if (!window.covers(lineStart, lineStart + ahead)) await window.cover(lineStart, lineStart + ahead);
    const newline = window.text.indexOf('\n', lineStart - window.start);
    if (newline === -1 && window.end < source.length) {
      ahead = window.end - lineStart + readAhead; // a long line: read on to its end
      continue;
    }
    const lineEnd = newline === -1 ? source.length : window.start + newline + 1;
    const closed = scanner.line(lineStart, lineEnd, window.slice(lineStart, newline === -1 ? source.length : window.start + newline));
    if (closed) yield closed;
    if (newline === -1) break;
    lineStart = lineEnd;
    window.release(lineStart);
    ahead = readAhead;
  }
  yield scanner.finish(source.length);
}

/**
 * Cuts markdown into sections, fed one line at a time in order (so a long text can be scanned in parts):
 * a section runs from its heading line (outside fenced code) to the next heading.
 */
class SectionScanner {
  private readonly path: { level: number; title: string }[] = [];
  private current: Section = { span: { start: 0, end: 0 }, bodyStart: 0, headingPath: [] };
  private fence?: string;
  /** Whether the current section's body has had anything but whitespace so far. */
  private bodyHasText = false;

  /** The line [lineStart, lineEnd) (lineEnd is past its newline), whose text without the newline is `text`; returns the section it closes. */
  line(lineStart: number, lineEnd: number, text: string): Section | undefined {
    const line = text.replace(/\r$/, '');
    const fenceMatch = FENCE.exec(line);
    if (fenceMatch) {
      if (!this.fence) this.fence = fenceMatch[1][0].repeat(3);
      else if (line.trimStart().startsWith(this.fence)) this.fence = undefined;
    }
    const heading = this.fence || fenceMatch ? null : HEADING.exec(line);
    if (!heading) {
      this.bodyHasText ||= hasText(line);
      return undefined;
    }
    const level = heading[1].length;
    while (this.path.length > 0 && this.path.at(-1)!.level >= level) this.path.pop();
    this.path.push({ level, title: heading[2].trim() });
    const previous = this.current;
    previous.span.end = lineStart;
    // A heading directly followed by another heading opens the next section rather than being a chunk alone.
    const start = this.bodyHasText || previous.span.start === previous.bodyStart ? lineStart : previous.span.start;
    this.current = { span: { start, end: 0 }, bodyStart: lineEnd, headingPath: this.path.map((h) => h.title) };
    const closed = this.bodyHasText ? previous : undefined;
    this.bodyHasText = false;
    return closed;
  }

  /** The last section, which runs to the end of the text. */
  finish(textLength: number): Section {
    this.current.span.end = textLength;
    return this.current;
  }
}

function hasText(line: string): boolean {
  for (let i = 0; i < line.length; i++) if (!isWhitespace(line.charCodeAt(i))) return true;
  return false;
}
