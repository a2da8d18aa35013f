import { Injectable } from '@nestjs/common';
import { Chunker, TextChunk } from './chunker';
import type { ChunkingOptions } from './chunking-options';
import { RECURSIVE_SEPARATORS } from './recursive.chunker';
import { measureFor, recursiveWindows, Span, toChunks, trimSpan } from './spans';

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
      sections(text).flatMap((section) => {
        const metadata = { heading_path: section.headingPath };
        const body = trimSpan(text, { start: section.bodyStart, end: section.span.end });
        if (body.end <= body.start) return [{ span: section.span, metadata }];
        const heading = { start: section.span.start, end: section.bodyStart };
        const headingSize = heading.end > heading.start ? measure(heading) : 0;
        // Leave room for the heading in the first piece, unless the heading itself is most of a chunk.
        const budget = headingSize < size / 2 ? size - headingSize : size;
        const windows = recursiveWindows(text, body, RECURSIVE_SEPARATORS, budget, overlap, measure);
        windows[0] = { start: section.span.start, end: windows[0].end };
        return windows.map((span) => ({ span, metadata }));
      }),
    );
  }
}

function sections(text: string): Section[] {
  const result: Section[] = [];
  const path: { level: number; title: string }[] = [];
  let current: Section = { span: { start: 0, end: 0 }, bodyStart: 0, headingPath: [] };
  let fence: string | undefined;
  let lineStart = 0;
  while (lineStart <= text.length) {
    const newline = text.indexOf('\n', lineStart);
    const lineEnd = newline === -1 ? text.length : newline + 1;
    const line = text.slice(lineStart, newline === -1 ? text.length : newline).replace(/\r$/, '');
    const fenceMatch = FENCE.exec(line);
    if (fenceMatch) {
      if (!fence) fence = fenceMatch[1][0].repeat(3);
      else if (line.trimStart().startsWith(fence)) fence = undefined;
    }
    const heading = fence || fenceMatch ? null : HEADING.exec(line);
    if (heading) {
      const level = heading[1].length;
      while (path.length > 0 && path.at(-1)!.level >= level) path.pop();
      path.push({ level, title: heading[2].trim() });
      current.span.end = lineStart;
      const body = trimSpan(text, { start: current.bodyStart, end: lineStart });
      const hasText = body.end > body.start;
      // A heading directly followed by another heading opens the next section rather than being a chunk alone.
      const start = hasText || current.span.start === current.bodyStart ? lineStart : current.span.start;
      if (hasText) result.push(current);
      current = { span: { start, end: text.length }, bodyStart: lineEnd, headingPath: path.map((h) => h.title) };
    }
    if (newline === -1) break;
    lineStart = lineEnd;
  }
  current.span.end = text.length;
  result.push(current);
  return result;
}
