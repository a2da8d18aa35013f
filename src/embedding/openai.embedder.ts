import type { AppConfig } from '../config/app-config';
import type { AdaptiveLimit } from './adaptive-limit';
import { EmbedderError } from './embedder';
import { HttpEmbedder, httpSettings } from './http.embedder';

/**
 * Any OpenAI-compatible server (OpenAI, vLLM, text-embeddings-inference, llama.cpp server, LM Studio):
 * `POST /v1/embeddings {model, input}` → `{data: [{index, embedding}, ...]}`. EMBEDDING_BASE_URL is the
 * server's root, with or without the trailing `/v1`. EMBEDDING_API_KEY, when set, goes in a Bearer header.
 */
export class OpenAiEmbedder extends HttpEmbedder {
  readonly name: string;

  constructor(config: AppConfig, slots: AdaptiveLimit) {
    const base = config.EMBEDDING_BASE_URL!.replace(/\/+$/, '');
    super(httpSettings(config, slots, `${base.endsWith('/v1') ? base : `${base}/v1`}/embeddings`, config.EMBEDDING_MODEL!));
    this.name = `openai:${this.settings.model}`;
  }

  protected body(texts: string[]): unknown {
    return { model: this.settings.model, input: texts, encoding_format: 'float' };
  }

  protected vectors(answer: unknown): number[][] {
    const data = (answer as { data?: unknown })?.data;
    if (!Array.isArray(data)) throw new EmbedderError(`${this.name}: the answer has no "data" array`, false);
    // The spec does not promise order; `index` does.
    return [...(data as { index: number; embedding: number[] }[])].sort((a, b) => a.index - b.index).map((d) => d.embedding);
  }
}
