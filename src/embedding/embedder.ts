/** Turns texts into vectors of `dimension` floats. The provider is chosen by EMBEDDING_PROVIDER (embedding.module.ts). */
export abstract class Embedder {
  /** Provider and model, e.g. `ollama:all-minilm`; appears in boot checks and errors. */
  abstract readonly name: string;
  abstract readonly dimension: number;
  /**
   * One vector per text, in order. Fails with an EmbedderError for provider problems, and as soon as `signal`
   * aborts (a caller's deadline: no further attempt or backoff wait is started).
   */
  abstract embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

/**
 * A provider could not embed. `retryable` says whether trying the request again later may succeed (429, 5xx,
 * timeout, unreachable) or not (bad model name, wrong dimension, bad API key): the ingestion then fails at once.
 */
export class EmbedderError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = 'EmbedderError';
  }
}
