import { Module } from '@nestjs/common';
import { Chunker } from './chunker';
import { FixedSizeChunker } from './fixed-size.chunker';

/** Provides the Chunker. Another strategy is another provider for the Chunker token. */
@Module({
  providers: [{ provide: Chunker, useClass: FixedSizeChunker }],
  exports: [Chunker],
})
export class ChunkingModule {}
