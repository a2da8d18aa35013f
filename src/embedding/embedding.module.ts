import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { AdaptiveLimit } from './adaptive-limit';
import { Embedder } from './embedder';
import { EmbeddingBudget } from './embedding-budget';
import { HashingEmbedder } from './hashing.embedder';
import { OllamaEmbedder } from './ollama.embedder';
import { OpenAiEmbedder } from './openai.embedder';

/** The embedder EMBEDDING_PROVIDER names; a provider's requests in flight are bounded by `slots` (the process's). */
export function createEmbedder(config: AppConfig, slots = new AdaptiveLimit(config.EMBEDDING_CONCURRENCY)): Embedder {
  switch (config.EMBEDDING_PROVIDER) {
    case 'hashing':
      return new HashingEmbedder(config);
    case 'ollama':
      return new OllamaEmbedder(config, slots);
    case 'openai':
      return new OpenAiEmbedder(config, slots);
  }
}

/**
 * Provides the Embedder chosen by EMBEDDING_PROVIDER: built-in hashing (default), Ollama, or OpenAI-compatible;
 * and the provider's concurrency budget, shared by the processes on the database (EmbeddingBudget).
 */
@Module({
  providers: [
    { provide: AdaptiveLimit, useFactory: (config: AppConfig) => new AdaptiveLimit(config.EMBEDDING_CONCURRENCY), inject: [AppConfig] },
    { provide: Embedder, useFactory: createEmbedder, inject: [AppConfig, AdaptiveLimit] },
    EmbeddingBudget,
  ],
  exports: [Embedder, EmbeddingBudget],
})
export class EmbeddingModule {}
