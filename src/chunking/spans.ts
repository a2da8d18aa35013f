import type { TextChunk } from './chunker';
import type { SizeUnit } from './chunking-options';
import { countTokens } from './tokenizer';

/** A half-open range [start, end) of character offsets into the source text. */
export interface Span {
  start: number;
  end: number;
}

/** Size of a span of the source text in the request's unit. */
export type Measure = (span: Span) => number;

export function measureFor(text: string, unit: SizeUnit): Measure {
  return unit === 'tokens' ? (span) => countTokens(text.slice(span.start, span.end)) : (span) => span.end - span.start;
}

/**
 * Boundaries, coarsest first. A piece keeps the separator that ends it, so pieces tile the text and every
 * chunk is an exact slice of the source.
 */
export const PARAGRAPH = /\n[ \t]*\n\s*/g;
export const LINE = /\n+/g;
/** After . ! ? … (and CJK full stops), optionally followed by closing quotes or brackets; or a blank line. */
export const SENTENCE = /(?<=[.!?…。！？]['"”’)\]]*)\s+|\n[ \t]*\n\s*/g;
export const WORD = /\s+/g;

/** Cuts `span` after every match of `separator` inside it; a single piece when there is none. */
export function splitAt(text: string, span: Span, separator: RegExp): Span[] {
  const pieces: Span[] = [];
  let from = span.start;
  for (const match of text.slice(span.start, span.end).matchAll(separator)) {
    const cut = span.start + match.index + match[0].length;
    if (cut > from && cut < span.end) {
      pieces.push({ start: from, end: cut });
      from = cut;
    }
  }
  pieces.push({ start: from, end: span.end });
  return pieces;
}

/**
 * LangChain's recursive splitting on spans: a span larger than `size` is cut at the first separator that
 * occurs in it; consecutive pieces that fit are packed into windows (`mergeSpans`), and each piece that is
 * still too large is split the same way with the finer separators. A piece with no separator left (one
 * enormous "word") is cut hard. Windows so end at the coarsest boundary that fits and never join the tail of
 * a split paragraph to the next paragraph.
 */
export function recursiveWindows(
  text: string,
  span: Span,
  separators: RegExp[],
  size: number,
  overlap: number,
  measure: Measure,
): Span[] {
  if (measure(span) <= size) return [span];
  for (let i = 0; i < separators.length; i++) {
    const pieces = splitAt(text, span, separators[i]);
    if (pieces.length === 1) continue;
    const windows: Span[] = [];
    let fitting: Span[] = [];
    for (const piece of pieces) {
      if (measure(piece) <= size) {
        fitting.push(piece);
        continue;
      }
      windows.push(...mergeSpans(fitting, size, overlap, measure));
      fitting = [];
      windows.push(...recursiveWindows(text, piece, separators.slice(i + 1), size, overlap, measure));
    }
    windows.push(...mergeSpans(fitting, size, overlap, measure));
    return windows;
  }
  return hardCut(span, size, measure);
}

/** Windows of `size` characters, narrowed in token mode until each fits (a character can be several tokens). */
function hardCut(span: Span, size: number, measure: Measure): Span[] {
  const pieces: Span[] = [];
  let start = span.start;
  while (start < span.end) {
    let end = Math.min(start + size, span.end);
    while (end - start > 1 && measure({ start, end }) > size) end = start + Math.ceil((end - start) / 2);
    pieces.push({ start, end });
    start = end;
  }
  return pieces;
}

/**
 * Packs consecutive pieces into windows of at most `size`; each next window starts with the trailing pieces
 * of the previous one that fit in `overlap` (LangChain's merge step). Sizes are summed per piece: exact for
 * characters, a close upper estimate for tokens (BPE merges rarely cross the whitespace that ends a piece).
 */
export function mergeSpans(pieces: Span[], size: number, overlap: number, measure: Measure): Span[] {
  const sizes = pieces.map(measure);
  const windows: Span[] = [];
  let first = 0;
  let total = 0;
  for (let i = 0; i < pieces.length; i++) {
    if (i > first && total + sizes[i] > size) {
      windows.push({ start: pieces[first].start, end: pieces[i - 1].end });
      while (first < i && (total > overlap || total + sizes[i] > size)) total -= sizes[first++];
    }
    total += sizes[i];
  }
  if (first < pieces.length) windows.push({ start: pieces[first].start, end: pieces.at(-1)!.end });
  return windows;
}

function isWhitespace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13) || code === 160 || code === 0x2028 || code === 0x2029;
}

/** The span without leading and trailing whitespace (empty when it is all whitespace). */
export function trimSpan(text: string, { start, end }: Span): Span {
  while (start < end && isWhitespace(text.charCodeAt(start))) start++;
  while (end > start && isWhitespace(text.charCodeAt(end - 1))) end--;
  return { start, end };
}

/** Numbered chunks from spans: trimmed, empty ones dropped, each with its token count and metadata. */
export function toChunks(text: string, spans: { span: Span; metadata?: Record<string, unknown> }[]): TextChunk[] {
  const chunks: TextChunk[] = [];
  for (const { span, metadata } of spans) {
    const { start, end } = trimSpan(text, span);
    if (end <= start) continue;
    const slice = text.slice(start, end);
    chunks.push({ index: chunks.length, text: slice, start, end, tokenCount: countTokens(slice), metadata: metadata ?? {} });
  }
  return chunks;
}
