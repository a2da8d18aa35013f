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
export function recursiveWindows(text: string, span: Span, separators: RegExp[], size: number, overlap: number, measure: Measure): Span[] {
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
  for (let start = span.start; start < span.end;) {
    const end = hardCutEnd(start, span.end, size, measure);
    pieces.push({ start, end });
    start = end;
  }
  return pieces;
}

/** Where the hard-cut piece starting at `start` ends: `size` characters on, narrowed until it fits. */
export function hardCutEnd(start: number, spanEnd: number, size: number, measure: Measure): number {
  let end = Math.min(start + size, spanEnd);
  while (end - start > 1 && measure({ start, end }) > size) end = start + Math.ceil((end - start) / 2);
  return end;
}

/**
 * Packs consecutive pieces into windows of at most `size`; each next window starts with the trailing pieces
 * of the previous one that fit in `overlap` (LangChain's merge step). Sizes are summed per piece: exact for
 * characters, a close upper estimate for tokens (BPE merges rarely cross the whitespace that ends a piece).
 */
export function mergeSpans(pieces: Span[], size: number, overlap: number, measure: Measure): Span[] {
  const merger = new Merger(size, overlap);
  const windows: Span[] = [];
  for (const piece of pieces) {
    const window = merger.add(piece, measure(piece));
    if (window) windows.push(window);
  }
  const last = merger.flush();
  if (last) windows.push(last);
  return windows;
}

/**
 * mergeSpans one piece at a time, for pieces that arrive while a long text is read: each piece emits at
 * most one window, and only the pieces of the window being filled are kept.
 */
export class Merger {
  private pieces: Span[] = [];
  private sizes: number[] = [];
  private first = 0;
  private total = 0;

  constructor(
    private readonly size: number,
    private readonly overlap: number,
  ) {}

  /** Adds the next piece (of size `pieceSize`); returns the window it closes, if any. */
  add(piece: Span, pieceSize: number): Span | undefined {
    let window: Span | undefined;
    if (this.first < this.pieces.length && this.total + pieceSize > this.size) {
      window = { start: this.pieces[this.first].start, end: this.pieces[this.pieces.length - 1].end };
      while (this.first < this.pieces.length && (this.total > this.overlap || this.total + pieceSize > this.size))
        this.total -= this.sizes[this.first++];
      if (this.first > 64) this.compact();
    }
    this.pieces.push(piece);
    this.sizes.push(pieceSize);
    this.total += pieceSize;
    return window;
  }

  /** The last window of the pieces added so far, if any; starts afresh. */
  flush(): Span | undefined {
    const window =
      this.first < this.pieces.length ? { start: this.pieces[this.first].start, end: this.pieces[this.pieces.length - 1].end } : undefined;
    this.pieces = [];
    this.sizes = [];
    this.first = 0;
    this.total = 0;
    return window;
  }

  private compact(): void {
    this.pieces = this.pieces.slice(this.first);
    this.sizes = this.sizes.slice(this.first);
    this.first = 0;
  }
}

export function isWhitespace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13) || code === 160 || code === 0x2028 || code === 0x2029;
}

/** The span without leading and trailing whitespace (empty when it is all whitespace). */
export function trimSpan(text: string, { start, end }: Span): Span {
  while (start < end && isWhitespace(text.charCodeAt(start))) start++;
  while (end > start && isWhitespace(text.charCodeAt(end - 1))) end--;
  return { start, end };
}

/** A span a strategy produced, with what it knows about it (the markdown heading path). */
export interface SpanWithMetadata {
  span: Span;
  metadata?: Record<string, unknown>;
}

/** Numbered chunks from spans: trimmed, empty ones dropped, each with its token count and metadata. */
export function toChunks(text: string, spans: SpanWithMetadata[]): TextChunk[] {
  const chunks: TextChunk[] = [];
  for (const { span, metadata } of spans) {
    const chunk = toChunk(text, span, chunks.length, metadata);
    if (chunk) chunks.push(chunk);
  }
  return chunks;
}

/** Chunk number `index` from a span of `text` (offsets shifted by `offset`); undefined when it is only whitespace. */
export function toChunk(text: string, span: Span, index: number, metadata: Record<string, unknown> = {}, offset = 0): TextChunk | undefined {
  const { start, end } = trimSpan(text, span);
  if (end <= start) return undefined;
  const slice = detached(text.slice(start, end));
  return { index, text: slice, start: start + offset, end: end + offset, tokenCount: countTokens(slice), metadata };
}

/**
 * The same characters in a string of their own. V8 makes a slice of 13 or more characters a view that keeps its
 * whole parent alive: a chunk would hold on to the whole text (or a long text's window), and so would each long
 * word of it that the tokenizer keeps in its cache of 100,000 merges (a 50 MB text of long words grew the heap by
 * ~90 MB that way). Copying costs ~0.2 µs a chunk; counting its tokens ~25 µs.
 */
function detached(slice: string): string {
  return ` ${slice}`.slice(1);
}
