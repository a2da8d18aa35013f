import { Injectable } from '@nestjs/common';
import { Chunker, TextChunk } from './chunker';
import type { ChunkingOptions, ChunkStrategy } from './chunking-options';
import { FixedSizeChunker } from './fixed-size.chunker';
import { MarkdownChunker } from './markdown.chunker';
import { RecursiveChunker } from './recursive.chunker';
import { SentenceChunker } from './sentence.chunker';
import type { StreamTuning } from './streaming';
import type { TextSource } from './text-source';

/** Every chunking strategy, picked per request by `chunking.strategy`. */
@Injectable()
export class ChunkerRegistry {
  private readonly chunkers: Map<ChunkStrategy, Chunker>;

  constructor(fixed: FixedSizeChunker, recursive: RecursiveChunker, sentence: SentenceChunker, markdown: MarkdownChunker) {
    this.chunkers = new Map([fixed, recursive, sentence, markdown].map((chunker) => [chunker.strategy, chunker]));
  }

  split(text: string, options: ChunkingOptions): TextChunk[] {
    return this.chunker(options).split(text, options);
  }

  /** The same chunks as split(), from a text read in parts. */
  stream(source: TextSource, options: ChunkingOptions, tuning?: StreamTuning): AsyncIterable<TextChunk> {
    return this.chunker(options).stream(source, options, tuning);
  }

  private chunker(options: ChunkingOptions): Chunker {
    const chunker = this.chunkers.get(options.strategy);
    if (!chunker) throw new Error(`Unknown chunking strategy "${String(options.strategy)}"`);
    return chunker;
  }
}
