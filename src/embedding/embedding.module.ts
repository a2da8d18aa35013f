import { Module } from '@nestjs/common';
import { Embedder } from './embedder';
import { HashingEmbedder } from './hashing.embedder';

/** Provides the Embedder. A provider module (Ollama, OpenAI-compatible) binds the Embedder token instead. */
@Module({
  providers: [{ provide: Embedder, useClass: HashingEmbedder }],
  exports: [Embedder],
})
export class EmbeddingModule {}
