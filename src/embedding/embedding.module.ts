import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Embedder } from './embedder';
import { HashingEmbedder } from './hashing.embedder';
import { OllamaEmbedder } from './ollama.embedder';
import { OpenAiEmbedder } from './openai.embedder';

export function createEmbedder(config: AppConfig): Embedder {
  switch (config.EMBEDDING_PROVIDER) {
    case 'hashing':
      return new HashingEmbedder(config);
    case 'ollama':
      return new OllamaEmbedder(config);
    case 'openai':
      return new OpenAiEmbedder(config);
  }
}

/** Provides the Embedder chosen by EMBEDDING_PROVIDER: built-in hashing (default), Ollama, or OpenAI-compatible. */
@Module({
  providers: [{ provide: Embedder, useFactory: createEmbedder, inject: [AppConfig] }],
  exports: [Embedder],
})
export class EmbeddingModule {}
