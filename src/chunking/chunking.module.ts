import { Module } from '@nestjs/common';
import { ChunkerRegistry } from './chunker-registry';
import { FixedSizeChunker } from './fixed-size.chunker';
import { MarkdownChunker } from './markdown.chunker';
import { RecursiveChunker } from './recursive.chunker';
import { SentenceChunker } from './sentence.chunker';

/** The chunking strategies behind one ChunkerRegistry. Another strategy is another Chunker added here. */
@Module({
  providers: [ChunkerRegistry, FixedSizeChunker, RecursiveChunker, SentenceChunker, MarkdownChunker],
  exports: [ChunkerRegistry],
})
export class ChunkingModule {}
