import { Injectable } from '@nestjs/common';
import { Chunker, TextChunk } from './chunker';
import type { ChunkingOptions } from './chunking-options';
import { measureFor, Merger, mergeSpans, recursiveWindows, SENTENCE, Span, splitAt, toChunks, WORD } from './spans';
import { ChunkStream, plain, StreamTuning } from './streaming';
import type { TextSource } from './text-source';

/**
 * Whole sentences packed into chunks of at most `chunk_size`; the overlap repeats whole trailing sentences.
 * Sentences end at . ! ? … (and CJK full stops) followed by whitespace, or at a blank line: a rule, not a
 * language model, so "e.g. this" ends a sentence. A sentence longer than a chunk is cut between words.
 */
@Injectable()
export class SentenceChunker extends Chunker {
  readonly strategy = 'sentence' as const;

  split(text: string, { chunk_size: size, chunk_overlap: overlap, size_unit }: ChunkingOptions): TextChunk[] {
    const measure = measureFor(text, size_unit ?? 'characters');
    const sentences = splitAt(text, { start: 0, end: text.length }, SENTENCE).flatMap((sentence) =>
      recursiveWindows(text, sentence, [WORD], size, 0, measure),
    );
    return toChunks(
      text,
      mergeSpans(sentences, size, overlap, measure).map((span) => ({ span })),
    );
  }

  stream(
    source: TextSource,
    { chunk_size: size, chunk_overlap: overlap, size_unit }: ChunkingOptions,
    tuning?: StreamTuning,
  ): AsyncIterable<TextChunk> {
    const stream = new ChunkStream(source, size_unit ?? 'characters', tuning);
    return stream.chunks(plain(streamedSentenceWindows(stream, size, overlap)));
  }
}

async function* streamedSentenceWindows(stream: ChunkStream, size: number, overlap: number): AsyncGenerator<Span> {
  const merger = new Merger(size, overlap);
  for await (const sentence of stream.pieces(stream.whole, SENTENCE)) {
    for await (const piece of stream.windows(sentence, [WORD], size, 0)) {
      const window = merger.add(piece, await stream.measure(piece));
      if (window) yield window;
    }
  }
  const last = merger.flush();
  if (last) yield last;
}
