import type { AppConfig } from '../config/app-config';
import type { AdaptiveLimit } from './adaptive-limit';
import { EmbedderError } from './embedder';
import { HttpEmbedder, httpSettings } from './http.embedder';

export const OLLAMA_DEFAULT_BASE_URL = 'http://localhost:11434';
/** 384 dimensions, the shipped column's size. */
export const OLLAMA_DEFAULT_MODEL = 'all-minilm';

/** Ollama's batch endpoint: `POST /api/embed {model, input: [...]}` → `{embeddings: [[...], ...]}`. */
export class OllamaEmbedder extends HttpEmbedder {
  readonly name: string;

  constructor(config: AppConfig, slots: AdaptiveLimit) {
    const base = (config.EMBEDDING_BASE_URL ?? OLLAMA_DEFAULT_BASE_URL).replace(/\/+$/, '');
    super(httpSettings(config, slots, `${base}/api/embed`, config.EMBEDDING_MODEL ?? OLLAMA_DEFAULT_MODEL));
    this.name = `ollama:${this.settings.model}`;
  }

  protected body(texts: string[]): unknown {
    return { model: this.settings.model, input: texts };
  }

  protected vectors(answer: unknown): number[][] {
    const embeddings = (answer as { embeddings?: unknown })?.embeddings;
    if (!Array.isArray(embeddings)) throw new EmbedderError(`${this.name}: the answer has no "embeddings" array`, false);
    return embeddings as number[][];
  }
}
