import type { TextChunk } from './chunker';
import type { SizeUnit } from './chunking-options';
import { hardCutEnd, isWhitespace, Measure, measureFor, Merger, recursiveWindows, Span, SpanWithMetadata, toChunk } from './spans';
import { TextSource, TextWindow } from './text-source';
import { countTokens } from './tokenizer';

/** cl100k_base's longest token is 128 characters: a span longer than 128 × size cannot be within `size` tokens. */
const MAX_TOKEN_CHARS = 128;
/**
 * Spans up to this long are loaded whole and chunked in memory, exactly as `split()` does; longer ones are cut
 * into pieces while the text is read. Small, so that the text held stays in strings below V8's 128 KB limit
 * for young objects (larger strings are garbage of the old generation, which piles up until a full collection).
 */
const HOLD_CHARS = 32 * 1024;
/** How much further a scan reads when what it holds does not settle where the next piece ends. */
const READ_AHEAD = 4 * 1024;
/**
 * Text a separator scan keeps before its position, for the sentence separator's look-behind (which only a run of
 * over a thousand closing quotes and brackets after a full stop could outrun).
 */
const LOOK_BEHIND = 1024;
const WHITESPACE = /\s/;

/** How much a stream holds and reads at once; the defaults suit production, tests shrink them to reach every path. */
export interface StreamTuning {
  /** Spans up to this long are chunked in memory (default HOLD_CHARS). */
  holdChars?: number;
  /** Characters read past what is needed when a scan has to look further (default READ_AHEAD). */
  readAhead?: number;
}

/**
 * The streaming counterpart of the chunkers' in-memory helpers: the same spans, from a text read in parts.
 * `main` holds the text from the start of the chunk being built to the piece being measured; separator scans
 * read ahead with windows of their own. Memory is bounded by a part, a chunk and the longest span held whole,
 * not by the text. Spans come out in order of their start, so each chunk releases the text before it.
 */
export class ChunkStream {
  readonly main: TextWindow;
  readonly measureHeld: Measure;
  readonly holdChars: number;
  readonly readAhead: number;

  constructor(
    readonly source: TextSource,
    readonly unit: SizeUnit,
    tuning: StreamTuning = {},
  ) {
    this.holdChars = tuning.holdChars ?? HOLD_CHARS;
    this.readAhead = tuning.readAhead ?? READ_AHEAD;
    this.main = new TextWindow(source);
    this.measureHeld = unit === 'tokens' ? (span) => countTokens(this.main.slice(span.start, span.end)) : (span) => span.end - span.start;
  }

  get whole(): Span {
    return { start: 0, end: this.source.length };
  }

  /** Numbered chunks from the spans, as toChunks makes them; each releases the text before it. */
  async *chunks(spans: AsyncIterable<SpanWithMetadata>): AsyncGenerator<TextChunk> {
    let index = 0;
    for await (const { span, metadata } of spans) {
      await this.load(span);
      const chunk = toChunk(this.main.text, shift(span, -this.main.start), index, metadata, this.main.start);
      this.main.release(span.start);
      if (chunk) {
        index++;
        yield chunk;
      }
    }
  }

  async load(span: Span): Promise<void> {
    if (!this.main.covers(span.start, span.end)) await this.main.cover(span.start, span.end);
  }

  async measure(span: Span): Promise<number> {
    if (this.unit === 'tokens') await this.load(span);
    return this.measureHeld(span);
  }

  /** The span's size when it is at most `size`; a span too long to fit is not even read. */
  async sizeIfFits(span: Span, size: number): Promise<number | undefined> {
    if (span.end - span.start > (this.unit === 'tokens' ? size * MAX_TOKEN_CHARS : size)) return undefined;
    const measured = await this.measure(span);
    return measured <= size ? measured : undefined;
  }

  /** recursiveWindows(text, span, …) of spans.ts, span by span. */
  async *windows(span: Span, separators: RegExp[], size: number, overlap: number): AsyncGenerator<Span> {
    if (span.end - span.start <= this.holdChars) {
      await this.load(span);
      const { text, start } = this.main;
      for (const window of recursiveWindows(text, shift(span, -start), separators, size, overlap, measureFor(text, this.unit)))
        yield shift(window, start);
      return;
    }
    if ((await this.sizeIfFits(span, size)) !== undefined) {
      yield span;
      return;
    }
    for (let i = 0; i < separators.length; i++) {
      const pieces = this.pieces(span, separators[i]);
      let piece = await pieces.next();
      if (piece.done || piece.value.end === span.end) {
        await pieces.return(undefined);
        continue; // this separator does not occur inside the span: try the next, finer one
      }
      const merger = new Merger(size, overlap);
      for (; !piece.done; piece = await pieces.next()) {
        const pieceSize = await this.sizeIfFits(piece.value, size);
        if (pieceSize !== undefined) {
          const window = merger.add(piece.value, pieceSize);
          if (window) yield window;
          continue;
        }
        const window = merger.flush();
        if (window) yield window;
        yield* this.windows(piece.value, separators.slice(i + 1), size, overlap);
      }
      const window = merger.flush();
      if (window) yield window;
      return;
    }
    yield* this.hardCut(span, size);
  }

  /**
   * splitAt(text, span, separator) of spans.ts, piece by piece: the span cut after every match of the separator.
   * Reads ahead with a window of its own that keeps only LOOK_BEHIND characters before its position, so a piece
   * may be of any length. Relies on every separator matching whitespace only (and looking behind less than
   * LOOK_BEHIND characters), so that a match not settled by what is held starts in its trailing whitespace.
   */
  async *pieces(span: Span, separator: RegExp): AsyncGenerator<Span> {
    const scan = new TextWindow(this.source);
    const regex = new RegExp(separator.source, separator.flags); // its own lastIndex: several scans run at once
    let from = span.start; // where the current piece starts
    let at = span.start; // where the search resumes, as matchAll would
    let until = span.start + this.readAhead;
    for (;;) {
      const keep = Math.max(span.start, at - LOOK_BEHIND);
      const to = Math.min(until, span.end);
      if (!scan.covers(keep, to)) await scan.cover(keep, to);
      scan.release(keep);
      const whole = scan.end >= span.end;
      const held = scan.text.slice(0, Math.min(scan.end, span.end) - scan.start);
      regex.lastIndex = at - scan.start;
      const match = regex.exec(held);
      if (match && (whole || match.index + match[0].length < held.length)) {
        const cut = scan.start + match.index + match[0].length;
        at = cut;
        if (cut > from && cut < span.end) {
          yield { start: from, end: cut };
          from = cut;
        }
        continue;
      }
      if (whole) {
        yield { start: from, end: span.end };
        return;
      }
      if (!match) at = Math.max(at, scan.start + trailingWhitespaceStart(held));
      until = scan.end + this.readAhead;
    }
  }

  /** hardCut of spans.ts, piece by piece. */
  async *hardCut(span: Span, size: number): AsyncGenerator<Span> {
    for (let start = span.start; start < span.end;) {
      await this.load({ start, end: Math.min(start + size, span.end) });
      const end = hardCutEnd(start, span.end, size, this.measureHeld);
      yield { start, end };
      start = end;
    }
  }

  /** trimSpan of spans.ts, reading only the ends of the span. */
  async trim(span: Span): Promise<Span> {
    const window = new TextWindow(this.source);
    let { start, end } = span;
    while (start < end) {
      await window.cover(start, Math.min(end, start + this.readAhead));
      const stop = Math.min(end, window.end);
      while (start < stop && isWhitespace(window.charCodeAt(start))) start++;
      if (start < stop || stop === end) break;
    }
    while (end > start) {
      const from = Math.max(start, end - this.readAhead);
      await window.cover(from, end);
      while (end > from && isWhitespace(window.charCodeAt(end - 1))) end--;
      if (end > from) break;
    }
    return { start, end };
  }
}

export function shift(span: Span, by: number): Span {
  return { start: span.start + by, end: span.end + by };
}

/** The spans, each without metadata. */
export async function* plain(spans: AsyncIterable<Span>): AsyncGenerator<SpanWithMetadata> {
  for await (const span of spans) yield { span };
}

/** Where the whitespace (as a regular expression's \s) at the end of `text` begins. */
function trailingWhitespaceStart(text: string): number {
  let i = text.length;
  while (i > 0 && WHITESPACE.test(text[i - 1])) i--;
  return i;
}
