import { Injectable } from '@nestjs/common';
import { Chunker, TextChunk } from './chunker';
import type { ChunkingOptions } from './chunking-options';
import { LINE, measureFor, PARAGRAPH, recursiveWindows, SENTENCE, toChunks, WORD } from './spans';
import { ChunkStream, plain, StreamTuning } from './streaming';
import type { TextSource } from './text-source';

/** Separators of the recursive strategy, coarsest first, as in LangChain's RecursiveCharacterTextSplitter. */
export const RECURSIVE_SEPARATORS = [PARAGRAPH, LINE, SENTENCE, WORD];

/**
 * Cuts the text at paragraph breaks and packs paragraphs into chunks of at most `chunk_size`; a paragraph
 * that is too large is cut at line breaks, then at sentence ends, then between words. Consecutive chunks
 * repeat up to `chunk_overlap` of trailing pieces.
 */
@Injectable()
export class RecursiveChunker extends Chunker {
  readonly strategy = 'recursive' as const;

  split(text: string, { chunk_size: size, chunk_overlap: overlap, size_unit }: ChunkingOptions): TextChunk[] {
    const measure = measureFor(text, size_unit ?? 'characters');
    const windows = recursiveWindows(text, { start: 0, end: text.length }, RECURSIVE_SEPARATORS, size, overlap, measure);
    return toChunks(
      text,
      windows.map((span) => ({ span })),
    );
  }

  stream(
    source: TextSource,
    { chunk_size: size, chunk_overlap: overlap, size_unit }: ChunkingOptions,
    tuning?: StreamTuning,
  ): AsyncIterable<TextChunk> {
    const stream = new ChunkStream(source, size_unit ?? 'characters', tuning);
    return stream.chunks(plain(stream.windows(stream.whole, RECURSIVE_SEPARATORS, size, overlap)));
  }
}
