import { Logger } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import type { AdaptiveLimit, RequestOutcome } from './adaptive-limit';
import { Embedder, EmbedderError } from './embedder';

/** A Retry-After longer than this is not waited for within one attempt; the request's own backoff takes over. */
const MAX_RETRY_AFTER_MS = 60_000;

export interface HttpEmbedderSettings {
  url: string;
  model: string;
  apiKey?: string;
  dimension: number;
  batchSize: number;
  concurrency: number;
  timeoutMs: number;
  maxRetries: number;
  retryBaseMs: number;
  /** The process's requests in flight, all callers together (EmbeddingBudget shares it among processes). */
  slots: AdaptiveLimit;
}

export function httpSettings(config: AppConfig, slots: AdaptiveLimit, url: string, model: string): HttpEmbedderSettings {
  return {
    url,
    model,
    apiKey: config.EMBEDDING_API_KEY,
    dimension: config.EMBEDDING_DIMENSION,
    batchSize: config.EMBEDDING_BATCH_SIZE,
    concurrency: config.EMBEDDING_CONCURRENCY,
    timeoutMs: config.EMBEDDING_TIMEOUT_MS,
    maxRetries: config.EMBEDDING_MAX_RETRIES,
    retryBaseMs: config.EMBEDDING_RETRY_BASE_MS,
    slots,
  };
}

/**
 * An embedding server reached over HTTP: texts go in batches of `batchSize` (halved for good when the server
 * answers 413), at most `concurrency` requests per call and at most what `slots` allows across all calls of the
 * process (fewer after a 429); each request has a timeout and is retried with exponential backoff and jitter on
 * 429, 5xx, timeouts and network errors (waiting for Retry-After when the server sends one). Subclasses speak
 * the protocol: the request body and where the vectors are in the answer.
 */
export abstract class HttpEmbedder extends Embedder {
  private readonly logger = new Logger(this.constructor.name);
  readonly dimension: number;
  /** Texts per request: EMBEDDING_BATCH_SIZE until the server refuses a batch as too large. */
  private batchSize: number;

  constructor(protected readonly settings: HttpEmbedderSettings) {
    super();
    this.dimension = settings.dimension;
    this.batchSize = settings.batchSize;
  }

  protected abstract body(texts: string[]): unknown;
  /** The vectors in the answer, in input order; throws when the answer is not what the protocol says. */
  protected abstract vectors(answer: unknown): number[][];

  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const batches: string[][] = [];
    for (let from = 0, size = this.batchSize; from < texts.length; from += size) batches.push(texts.slice(from, from + size));
    const results = new Array<Float32Array[]>(batches.length);
    let next = 0;
    let failed = false;
    const worker = async () => {
      while (!failed && next < batches.length) {
        const i = next++;
        try {
          results[i] = await this.embedBatch(batches[i], signal);
        } catch (error) {
          failed = true; // the other workers stop taking batches: the ingestion is retried as a whole
          throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.settings.concurrency, batches.length) }, worker));
    return results.flat();
  }

  private async embedBatch(texts: string[], signal: AbortSignal | undefined): Promise<Float32Array[]> {
    const deadline = (timeout: AbortSignal) => (signal ? AbortSignal.any([timeout, signal]) : timeout);
    for (let attempt = 0; ; attempt++) {
      let failure: EmbedderError;
      let waitMs: number | undefined;
      let outcome: RequestOutcome = 'error';
      let held = false;
      try {
        // Inside the try: a caller's deadline that runs out while waiting for a slot fails like one during the request.
        await this.settings.slots.acquire(signal);
        held = true;
        const response = await fetch(this.settings.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(this.settings.apiKey ? { authorization: `Bearer ${this.settings.apiKey}` } : {}),
          },
          body: JSON.stringify(this.body(texts)),
          signal: deadline(AbortSignal.timeout(this.settings.timeoutMs)),
        });
        if (response.ok) {
          const vectors = this.check(this.vectors(await response.json()), texts.length);
          outcome = 'ok';
          return vectors;
        }
        if (response.status === 429) outcome = 'throttled';
        if (response.status === 413 && texts.length > 1) {
          await response.body?.cancel();
          // Its halves take slots of their own.
          this.settings.slots.release(outcome);
          held = false;
          return await this.embedHalves(texts, signal);
        }
        const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
        failure = new EmbedderError(
          `${this.name}: HTTP ${response.status} from ${this.settings.url}: ${await providerMessage(response)}`,
          retryable,
          response.status,
        );
        waitMs = retryAfterMs(response.headers.get('retry-after'));
      } catch (error) {
        failure = error instanceof EmbedderError ? error : new EmbedderError(`${this.name}: ${describeNetworkError(error, this.settings)}`, true);
      } finally {
        if (held) this.settings.slots.release(outcome);
      }
      if (!failure.retryable || signal?.aborted) throw failure;
      if (attempt >= this.settings.maxRetries) {
        throw new EmbedderError(`${failure.message} (gave up after ${attempt + 1} attempts)`, true, failure.httpStatus);
      }
      const delay = waitMs ?? this.settings.retryBaseMs * 2 ** attempt * (0.5 + Math.random() / 2);
      this.logger.warn(`${failure.message}; retrying in ${Math.round(delay)} ms`);
      await abortableDelay(delay, signal);
    }
  }

  /** The server refused the batch as too large (413): this and every later batch is half as large. */
  private async embedHalves(texts: string[], signal: AbortSignal | undefined): Promise<Float32Array[]> {
    const half = Math.ceil(texts.length / 2);
    if (half < this.batchSize) this.logger.warn(`${this.name}: HTTP 413 for ${texts.length} texts; sending at most ${half} per request`);
    this.batchSize = Math.min(this.batchSize, half);
    return [...(await this.embedBatch(texts.slice(0, half), signal)), ...(await this.embedBatch(texts.slice(half), signal))];
  }

  private check(vectors: number[][], expected: number): Float32Array[] {
    if (vectors.length !== expected) {
      throw new EmbedderError(`${this.name}: asked for ${expected} embeddings, got ${vectors.length}`, false);
    }
    for (const vector of vectors) {
      if (!Array.isArray(vector) || vector.length !== this.dimension) {
        throw new EmbedderError(
          `${this.name}: the model returned vectors of dimension ${Array.isArray(vector) ? vector.length : 'unknown'}, but ` +
            `EMBEDDING_DIMENSION and the vector column are ${this.dimension}; use a model of that size or change the column ` +
            `(docs/operations.md: "Change the embedding model")`,
          false,
        );
      }
    }
    return vectors.map((vector) => Float32Array.from(vector));
  }
}

/** Waits `ms`, or less when `signal` aborts first (the next attempt then sees it aborted and gives up). */
function abortableDelay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** The provider's own error text: `{"error": "…"}` (Ollama), `{"error": {"message": "…"}}` (OpenAI), or the raw body. */
async function providerMessage(response: Response): Promise<string> {
  const text = (await response.text().catch(() => '')).slice(0, 1000);
  try {
    const parsed = JSON.parse(text) as { error?: string | { message?: string }; message?: string };
    const message = typeof parsed.error === 'string' ? parsed.error : (parsed.error?.message ?? parsed.message);
    if (message) return message;
  } catch {
    // not JSON: the body itself is the message
  }
  return text || response.statusText || 'no details';
}

/** Retry-After as delay-seconds or an HTTP date; undefined when absent, unreadable or too far away. */
function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const ms = /^\d+$/.test(header.trim()) ? Number(header) * 1000 : Date.parse(header) - Date.now();
  return Number.isFinite(ms) && ms >= 0 && ms <= MAX_RETRY_AFTER_MS ? ms : undefined;
}

function describeNetworkError(error: unknown, settings: HttpEmbedderSettings): string {
  // Duck-typed, not instanceof: fetch's errors may come from another realm (test VMs, bundlers).
  const { name, message, cause } = (error ?? {}) as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (name === 'TimeoutError' || name === 'AbortError') {
    return `no answer from ${settings.url} within ${settings.timeoutMs} ms (EMBEDDING_TIMEOUT_MS)`;
  }
  if (name === 'SyntaxError') return `unreadable answer from ${settings.url}: ${message}`;
  return `cannot reach ${settings.url} (${cause?.code ?? cause?.message ?? message ?? String(error)})`;
}
