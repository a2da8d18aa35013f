import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config/app-config';
import { HashingEmbedder } from '../../src/embedding/hashing.embedder';

export type Protocol = 'ollama' | 'openai';

/** What the server does with one request: answer with the protocol (optionally late), or fail. */
export type Reply = { kind: 'embed'; delayMs?: number } | { kind: 'fail'; status: number; body: unknown; headers?: Record<string, string> };

/** The replies the suites switch between: answer, refuse as a provider refuses an unknown model, never answer. */
export const REPLIES = {
  embed: { kind: 'embed' },
  refuse: { kind: 'fail', status: 400, body: { error: 'model "test-model" not found' } },
  hang: { kind: 'embed', delayMs: 3_600_000 },
} satisfies Record<string, Reply>;

export interface ReceivedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: { model?: string; input?: string | string[] };
}

/** A provider's limits, as a hosted one enforces them: beyond `concurrency` requests at once, 429 with Retry-After. */
export interface ProviderLimits {
  concurrency: number;
  /** Retry-After's seconds (default 0: try again at once). */
  retryAfterSeconds?: number;
  /** More inputs than this in one request: 413. */
  maxInputs?: number;
}

/**
 * A real HTTP server on 127.0.0.1 that speaks Ollama's `POST /api/embed` or OpenAI's `POST /v1/embeddings`.
 * Its vectors come from the built-in hashing embedder, so searches over them behave sensibly. `script(n)`
 * decides the reply to the n-th request (0-based); by default every request is answered. With `limits` it
 * refuses what a rate-limited provider refuses, before the script is asked.
 */
export class EmbeddingServer {
  readonly requests: ReceivedRequest[] = [];
  /** Most requests that were being answered at the same time. */
  maxInFlight = 0;
  /** Requests refused with 429 (over limits.concurrency) and 413 (over limits.maxInputs). */
  throttled = 0;
  tooLarge = 0;
  /** When (performance.now(), ms) the first request arrived and the last answer was sent: the window it was in use. */
  firstRequestAt?: number;
  lastAnswerAt?: number;
  private inFlight = 0;
  private readonly embedder: HashingEmbedder;

  private constructor(
    private readonly server: Server,
    readonly protocol: Protocol,
    dimension: number,
    private readonly script: (n: number) => Reply,
    private readonly limits?: ProviderLimits,
  ) {
    this.embedder = new HashingEmbedder(loadConfig({ EMBEDDING_DIMENSION: String(dimension) }));
    server.on('request', (req, res) => void this.handle(req, res));
  }

  static async start(
    protocol: Protocol,
    options: { dimension?: number; script?: (n: number) => Reply; limits?: ProviderLimits } = {},
  ): Promise<EmbeddingServer> {
    const server = createServer();
    const sut = new EmbeddingServer(server, protocol, options.dimension ?? 384, options.script ?? (() => ({ kind: 'embed' })), options.limits);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return sut;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Stops listening and drops open connections; afterwards connections are refused. */
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  /** Texts received in requests that were answered with embeddings. */
  get inputSizes(): number[] {
    return this.requests.map((r) => (Array.isArray(r.body.input) ? r.body.input.length : 1));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    this.firstRequestAt ??= performance.now();
    res.once('close', () => {
      this.inFlight--;
      this.lastAnswerAt = performance.now();
    });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as ReceivedRequest['body'];
    const n = this.requests.length;
    this.requests.push({ path: req.url ?? '', headers: req.headers, body });
    const expectedPath = this.protocol === 'ollama' ? '/api/embed' : '/v1/embeddings';
    if (req.method !== 'POST' || req.url !== expectedPath) return send(res, 404, { error: `no route ${req.method} ${req.url}` });
    if (this.limits && this.inFlight > this.limits.concurrency) {
      this.throttled++;
      const retryAfter = String(this.limits.retryAfterSeconds ?? 0);
      return send(res, 429, { error: { message: 'Too many concurrent requests' } }, { 'retry-after': retryAfter });
    }
    if (this.limits?.maxInputs !== undefined && Array.isArray(body.input) && body.input.length > this.limits.maxInputs) {
      this.tooLarge++;
      return send(res, 413, { error: { message: `at most ${this.limits.maxInputs} inputs per request` } });
    }
    const reply = this.script(n);
    if (reply.kind === 'fail') return send(res, reply.status, reply.body, reply.headers);
    // A slow answer ends early when the client gives up or the server stops, so no timer outlives the test.
    if (reply.delayMs) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, reply.delayMs);
        res.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if (res.destroyed) return;
    const inputs = Array.isArray(body.input) ? body.input : [body.input ?? ''];
    const vectors = inputs.map((text) => Array.from(this.embedder.embedOne(text)));
    if (this.protocol === 'ollama') return send(res, 200, { model: body.model, embeddings: vectors });
    // Reversed on purpose: clients must order by `index`, not by position.
    const data = vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })).reverse();
    return send(res, 200, { object: 'list', model: body.model, data, usage: { prompt_tokens: 0, total_tokens: 0 } });
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}
