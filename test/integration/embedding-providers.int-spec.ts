import { loadConfig } from '../../src/config/app-config';
import { EmbedderError } from '../../src/embedding/embedder';
import { createEmbedder } from '../../src/embedding/embedding.module';
import { HashingEmbedder } from '../../src/embedding/hashing.embedder';
import { OllamaEmbedder } from '../../src/embedding/ollama.embedder';
import { OpenAiEmbedder } from '../../src/embedding/openai.embedder';
import { freePort } from '../support/app-process';
import { EmbeddingServer, Protocol, Reply } from '../support/embedding-server';

const TEXTS = Array.from({ length: 7 }, (_, i) => `chunk number ${i} about vector search`);
const fail = (status: number, body: unknown, headers?: Record<string, string>): Reply => ({ kind: 'fail', status, body, headers });
const embed: Reply = { kind: 'embed' };

function embedderFor(protocol: Protocol, baseUrl: string, env: Record<string, string> = {}) {
  return createEmbedder(
    loadConfig({
      EMBEDDING_PROVIDER: protocol,
      EMBEDDING_BASE_URL: baseUrl,
      EMBEDDING_MODEL: 'test-model',
      EMBEDDING_BATCH_SIZE: '3',
      EMBEDDING_CONCURRENCY: '2',
      // Generous: a loaded 2-core machine must not turn a slow answer into a retry the test does not expect.
      EMBEDDING_TIMEOUT_MS: '30000',
      EMBEDDING_MAX_RETRIES: '2',
      EMBEDDING_RETRY_BASE_MS: '10',
      ...env,
    }),
  );
}

describe('HTTP embedding providers', () => {
  let server: EmbeddingServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('should pick the provider named by EMBEDDING_PROVIDER', () => {
    expect(createEmbedder(loadConfig({}))).toBeInstanceOf(HashingEmbedder);
    expect(embedderFor('ollama', 'http://127.0.0.1:1')).toBeInstanceOf(OllamaEmbedder);
    expect(embedderFor('openai', 'http://127.0.0.1:1')).toBeInstanceOf(OpenAiEmbedder);
  });

  describe.each<Protocol>(['ollama', 'openai'])('%s protocol', (protocol) => {
    it('should embed in batches of EMBEDDING_BATCH_SIZE and return the vectors in input order', async () => {
      server = await EmbeddingServer.start(protocol);
      const sut = embedderFor(protocol, server.baseUrl);
      const vectors = await sut.embed(TEXTS);
      const expected = new HashingEmbedder(loadConfig({}));
      expect(vectors.map((v) => Array.from(v))).toEqual(TEXTS.map((t) => Array.from(expected.embedOne(t))));
      expect(server.inputSizes.sort()).toEqual([1, 3, 3]);
      expect(server.requests.every((r) => r.body.model === 'test-model')).toBe(true);
    });

    it('should keep at most EMBEDDING_CONCURRENCY requests in flight', async () => {
      server = await EmbeddingServer.start(protocol, { script: () => ({ kind: 'embed', delayMs: 500 }) });
      const vectors = await embedderFor(protocol, server.baseUrl, { EMBEDDING_BATCH_SIZE: '1', EMBEDDING_CONCURRENCY: '2' }).embed(TEXTS);
      expect(vectors).toHaveLength(TEXTS.length);
      expect(server.requests).toHaveLength(TEXTS.length);
      expect(server.maxInFlight).toBe(2);
    });

    it('should keep all the calls of a process together within EMBEDDING_CONCURRENCY', async () => {
      server = await EmbeddingServer.start(protocol, { script: () => ({ kind: 'embed', delayMs: 100 }) });
      const sut = embedderFor(protocol, server.baseUrl, { EMBEDDING_BATCH_SIZE: '1', EMBEDDING_CONCURRENCY: '2' });
      // Three ingestions embedding at once, as the poller's lanes do: still two requests at the provider.
      const results = await Promise.all([TEXTS, TEXTS, TEXTS].map((texts) => sut.embed(texts)));
      expect(results.map((vectors) => vectors.length)).toEqual([7, 7, 7]);
      expect(server.maxInFlight).toBe(2);
    });

    it('should come down to the concurrency a provider takes, with few 429s, and embed everything', async () => {
      server = await EmbeddingServer.start(protocol, { script: () => ({ kind: 'embed', delayMs: 5 }), limits: { concurrency: 2 } });
      const texts = Array.from({ length: 400 }, (_, i) => `text ${i}`);
      const sut = embedderFor(protocol, server.baseUrl, { EMBEDDING_BATCH_SIZE: '1', EMBEDDING_CONCURRENCY: '6', EMBEDDING_MAX_RETRIES: '20' });
      const results = await Promise.all([texts.slice(0, 200), texts.slice(200)].map((part) => sut.embed(part)));
      expect(results.flat()).toHaveLength(400);
      // A fixed 6 in flight against 2 would have most requests refused; learning costs a few at the start, then
      // about one per 16 x 2 successes while it probes for more.
      expect(server.throttled).toBeGreaterThan(0);
      expect(server.throttled / server.requests.length).toBeLessThan(0.1);
    });

    it('should fail a caller whose deadline runs out while it waits for a slot, as a deadline during the request does', async () => {
      server = await EmbeddingServer.start(protocol, { script: () => ({ kind: 'embed', delayMs: 600_000 }) });
      const sut = embedderFor(protocol, server.baseUrl, { EMBEDDING_CONCURRENCY: '1' });
      const holder = new AbortController();
      const holding = sut.embed(['holds the only slot'], holder.signal).catch((error: unknown) => error);
      const deadline = new AbortController();
      const waiting = sut.embed(['waits for it'], deadline.signal);
      deadline.abort(new DOMException('The operation timed out.', 'TimeoutError'));
      await expect(waiting).rejects.toMatchObject({
        name: 'EmbedderError',
        retryable: true,
        message: expect.stringContaining('EMBEDDING_TIMEOUT_MS'),
      });
      holder.abort(new DOMException('The operation was aborted.', 'AbortError'));
      expect(await holding).toBeInstanceOf(EmbedderError);
    });

    it('should halve its batches for good when the provider answers 413', async () => {
      server = await EmbeddingServer.start(protocol, { limits: { concurrency: 64, maxInputs: 2 } });
      const sut = embedderFor(protocol, server.baseUrl, { EMBEDDING_BATCH_SIZE: '5' });
      expect(await sut.embed(TEXTS)).toHaveLength(7);
      const refusedFirst = server.tooLarge;
      expect(refusedFirst).toBeGreaterThan(0);
      expect(await sut.embed(TEXTS)).toHaveLength(7);
      // The second call already sends what the provider takes.
      expect(server.tooLarge).toBe(refusedFirst);
      expect(Math.max(...server.inputSizes.slice(-4))).toBeLessThanOrEqual(2);
    });

    it('should retry a 500 and a 429 and then succeed', async () => {
      server = await EmbeddingServer.start(protocol, {
        script: (n) => [fail(500, { error: 'model is loading' }), fail(429, { error: 'slow down' }, { 'retry-after': '0' })][n] ?? embed,
      });
      const vectors = await embedderFor(protocol, server.baseUrl, { EMBEDDING_BATCH_SIZE: '10' }).embed(TEXTS);
      expect(vectors).toHaveLength(TEXTS.length);
      expect(server.requests).toHaveLength(3);
    });

    it('should not stall on a Retry-After beyond 60 s, falling back to its own backoff', async () => {
      server = await EmbeddingServer.start(protocol, { script: (n) => (n === 0 ? fail(429, { error: 'quota' }, { 'retry-after': '3600' }) : embed) });
      expect(await embedderFor(protocol, server.baseUrl).embed(['a'])).toHaveLength(1);
      expect(server.requests).toHaveLength(2);
    });

    it('should time out a slow response and succeed on the retry', async () => {
      // The first request never gets an answer (until the server stops); the retry is answered at once.
      server = await EmbeddingServer.start(protocol, { script: (n) => (n === 0 ? { kind: 'embed', delayMs: 600_000 } : embed) });
      const vectors = await embedderFor(protocol, server.baseUrl, { EMBEDDING_BATCH_SIZE: '10', EMBEDDING_TIMEOUT_MS: '2000' }).embed(TEXTS);
      expect(vectors).toHaveLength(TEXTS.length);
      expect(server.requests).toHaveLength(2);
    });

    it('should give up after EMBEDDING_MAX_RETRIES with a retryable error carrying the provider message', async () => {
      server = await EmbeddingServer.start(protocol, { script: () => fail(503, { error: { message: 'overloaded, try later' } }) });
      const error = await embedderFor(protocol, server.baseUrl)
        .embed(['a'])
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EmbedderError);
      expect(error).toMatchObject({ retryable: true, httpStatus: 503 });
      expect((error as Error).message).toMatch(
        new RegExp(`^${protocol}:test-model: HTTP 503 from .*: overloaded, try later \\(gave up after 3 attempts\\)$`),
      );
      expect(server.requests).toHaveLength(3);
    });

    it('should fail at once, not retryable, on a 4xx such as an unknown model', async () => {
      server = await EmbeddingServer.start(protocol, { script: () => fail(404, { error: 'model "test-model" not found, try pulling it first' }) });
      const error = await embedderFor(protocol, server.baseUrl)
        .embed(['a'])
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ retryable: false, httpStatus: 404 });
      expect((error as Error).message).toContain('model "test-model" not found');
      expect(server.requests).toHaveLength(1);
    });

    it('should refuse vectors of another dimension, naming both', async () => {
      server = await EmbeddingServer.start(protocol, { dimension: 768 });
      const error = await embedderFor(protocol, server.baseUrl)
        .embed(['a'])
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ retryable: false });
      expect((error as Error).message).toMatch(/dimension 768, but EMBEDDING_DIMENSION and the vector column are 384/);
    });

    it('should report a server that is not there as unreachable, retryable', async () => {
      const port = await freePort();
      const error = await embedderFor(protocol, `http://127.0.0.1:${port}`)
        .embed(['a'])
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ retryable: true });
      expect((error as Error).message).toMatch(/cannot reach http:\/\/127\.0\.0\.1:\d+\/.* \(ECONNREFUSED\) \(gave up after 3 attempts\)/);
    });
  });

  it('should send EMBEDDING_API_KEY as a bearer token to an OpenAI-compatible server', async () => {
    server = await EmbeddingServer.start('openai');
    await embedderFor('openai', `${server.baseUrl}/v1`, { EMBEDDING_API_KEY: 'sk-test-secret' }).embed(['a']);
    expect(server.requests[0].headers.authorization).toBe('Bearer sk-test-secret');
    expect(server.requests[0].path).toBe('/v1/embeddings');
  });
});
