import { Client } from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { FixedSizeChunker } from '../../src/chunking/fixed-size.chunker';
import { CLAIMED_TEXT_LIMIT } from '../../src/queue/long-text';
import { AppProcess } from '../support/app-process';
import { EmbeddingServer } from '../support/embedding-server';
import { eventually } from '../support/http';
import { PrivatePostgres } from '../support/private-postgres';

const CHUNKING = { strategy: 'fixed' as const, chunk_size: 200, chunk_overlap: 40 };
const shortText = (n: number) => Array.from({ length: 40 }, (_, i) => `Fault document ${n} line ${i} mentions subject${n} and thing${i}.`).join(' ');
/** Longer than a claim carries: read through a cursor, chunked and embedded window by window in one transaction. */
const longText = (n: number) => Array.from({ length: 7000 }, (_, i) => `Long text ${n} line ${i} is about topic${i % 97}.`).join(' ');
/** The connection of this test's own queries, told apart from the service's in pg_stat_activity. */
const INJECTOR = 'fault-injector';

interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

/**
 * Faults of the database under a running service: backends terminated one by one (the index build's and the long
 * text's among them), an immediate stop, and a stall (every PostgreSQL process stopped with SIGSTOP). Always a
 * private PostgreSQL, never the shared cluster.
 */
const unavailable = PrivatePostgres.unavailableReason();
if (unavailable) console.warn(`[connection faults] skipping: ${unavailable}`);
(unavailable ? describe.skip : describe)(`connection faults [private PostgreSQL${unavailable ? `, skipped: ${unavailable}` : ''}]`, () => {
  let postgres: PrivatePostgres;
  let embedder: EmbeddingServer;
  let service: AppProcess;
  let exitCode: number | null | undefined;
  /** Every ingestion accepted so far with its text: each must complete exactly once. */
  const accepted = new Map<string, string>();

  /** One HTTP call, bounded: a hung request fails the test instead of hanging it. */
  async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const response = await fetch(`${service.baseUrl}${path}`, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(20_000),
    });
    return { status: response.status, body: await response.json(), headers: response.headers };
  }

  async function ingest(text: string): Promise<string> {
    const answer = await call('POST', '/v1/ingest', { text, chunking: CHUNKING });
    expect(answer.status).toBe(202);
    accepted.set(answer.body.id, text);
    return answer.body.id;
  }

  async function query<R extends object>(sql: string, params: unknown[] = []): Promise<R[]> {
    const client = new Client({ connectionString: postgres.url, application_name: INJECTOR });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return (await client.query<R>(sql, params)).rows;
    } finally {
      await client.end();
    }
  }

  /** The service's connections to the database (its pool and the indexer's own). */
  function serviceBackends(condition = 'true'): Promise<{ pid: number; query: string }[]> {
    return query(
      `select pid, query from pg_stat_activity
        where datname = current_database() and backend_type = 'client backend' and application_name <> $1
          and pid <> pg_backend_pid() and (${condition}) order by pid`,
      [INJECTOR],
    );
  }

  async function terminate(pid: number): Promise<void> {
    await query('select pg_terminate_backend($1)', [pid]);
  }

  function expectUnavailable(answer: Answer): void {
    if (answer.status !== 503) console.log(JSON.stringify(answer.body), service.log.slice(-4000));
    expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 503, code: 'DATABASE_UNAVAILABLE' });
    expect(answer.headers.get('retry-after')).toBe('5');
  }

  /** The same process still answers (it did not die of an unhandled 'error' event). */
  async function expectAlive(): Promise<void> {
    if (exitCode !== undefined) console.log(service.log.slice(-3000));
    expect(exitCode).toBeUndefined();
    expect((await call('GET', '/health/live')).status).toBe(200);
  }

  /** Every accepted ingestion completes, with exactly its chunks, none stored twice. */
  async function expectAllCompletedOnce(): Promise<void> {
    for (const [id, text] of accepted) {
      const done = await service.waitForStatus(id, 'completed', 60_000);
      expect(done.chunk_count).toBe(new FixedSizeChunker().split(text, CHUNKING).length);
    }
    const [row] = await query<{ total: string; distinct_chunks: string }>(
      `select count(*) as total, count(distinct (ingestion_id, chunk_index)) as distinct_chunks from ingestion_service.chunk_vectors`,
    );
    const expected = [...accepted.values()].reduce((sum, text) => sum + new FixedSizeChunker().split(text, CHUNKING).length, 0);
    expect(row).toEqual({ total: String(expected), distinct_chunks: String(expected) });
  }

  beforeAll(async () => {
    expect(longText(0).length).toBeGreaterThan(CLAIMED_TEXT_LIMIT);
    postgres = await PrivatePostgres.start();
    // A slow embedder keeps a long text's transaction open for seconds, long enough to terminate its connection.
    embedder = await EmbeddingServer.start('openai', { script: () => ({ kind: 'embed', delayMs: 60 }) });
    service = await AppProcess.start({
      DATABASE_URL: postgres.url,
      MIGRATIONS_RUN_ON_BOOT: 'true',
      EMBEDDING_PROVIDER: 'openai',
      EMBEDDING_BASE_URL: embedder.baseUrl,
      EMBEDDING_MODEL: 'test-model',
      POLL_INTERVAL_MS: '100',
      // Requests in flight when the database vanished are reclaimed after the lease.
      JOB_LEASE_MS: '3000',
      RETRY_BASE_DELAY_MS: '200',
      // A few short texts are enough for a segment build.
      INDEX_MIN_SEGMENT_CHUNKS: '100',
      INDEX_MAX_TAIL_CHUNKS: '100',
      INDEX_QUIET_MS: '100',
      DB_ACQUIRE_TIMEOUT_MS: '1000',
      DB_STATEMENT_TIMEOUT_MS: '2000',
    }).then((s) => s.ready());
    void service.exited().then((code) => (exitCode = code));
  });

  afterAll(async () => {
    postgres?.signalAll('SIGCONT');
    // Bounded: a service that cannot shut down is killed, so the private PostgreSQL is always removed.
    if (service) await Promise.race([service.stop(), sleep(15_000, undefined, { ref: false }).then(() => service.kill9())]);
    await embedder?.stop();
    await postgres?.destroy();
  }, 60_000);

  it('should survive the termination of each of its connections (the index build and the long text included) and complete everything once', async () => {
    // An open transaction holding a row-exclusive lock on chunk_vectors: CREATE INDEX CONCURRENTLY waits for it,
    // so the build stays visible (and terminable) for as long as this test wants.
    const blocker = new Client({ connectionString: postgres.url, application_name: INJECTOR });
    blocker.on('error', () => undefined);
    await blocker.connect();
    try {
      await blocker.query('begin');
      await blocker.query('lock table ingestion_service.chunk_vectors in row exclusive mode');
      await ingest(longText(1));
      for (let n = 0; n < 10; n++) await ingest(shortText(n));

      const [inLongText] = await eventually(async () => {
        const found = await serviceBackends(`xact_start < now() - interval '300 ms' and backend_xid is not null and query not ilike '%index%'`);
        return found.length > 0 ? found : undefined;
      }, 30_000);
      await terminate(inLongText.pid);
      await expectAlive();

      const [building] = await eventually(async () => {
        const found = await serviceBackends(`query ilike 'create index%'`);
        return found.length > 0 ? found : undefined;
      }, 30_000);
      await terminate(building.pid);
      await sleep(500); // the 'error' event reaches the service
      await expectAlive();

      for (const backend of await serviceBackends()) {
        await terminate(backend.pid);
        await expectAlive();
        // A request may meet the dropped connection once; the pool then replaces it.
        await eventually(async () => ((await call('GET', `/v1/status/${[...accepted.keys()][0]}`)).status === 200 ? true : undefined), 15_000);
      }
    } finally {
      await blocker.end();
    }

    await expectAllCompletedOnce();
    // The index build starts again and completes; the interrupted build's leftover index is dropped.
    await eventually(async () => {
      const [row] = await query<{ segments: string; invalid: string }>(
        `select (select count(*) from ingestion_service.vector_index_segments) as segments,
                (select count(*) from pg_index i join pg_class c on c.oid = i.indrelid where c.relname like 'chunk_vectors_p%' and not i.indisvalid) as invalid`,
      );
      return Number(row.segments) > 0 && row.invalid === '0' ? true : undefined;
    }, 30_000);
    await expectAlive();
    expect(service.log).not.toContain("Unhandled 'error' event");
  }, 120_000);

  it('should answer 503 with Retry-After through an immediate stop, and recover by itself', async () => {
    const before = [await ingest(longText(2)), await ingest(shortText(20)), await ingest(shortText(21))];
    // Stopped while the long text's transaction is open.
    await eventually(async () => ((await serviceBackends(`xact_start < now() - interval '200 ms'`)).length > 0 ? true : undefined), 30_000);
    const linesOf = (text: string) => service.log.split(text).length - 1;
    const logged = { poller: linesOf('Poller tick failed'), indexer: linesOf('Index check failed') };
    await postgres.stopImmediately();
    try {
      expectUnavailable(await call('POST', '/v1/ingest', { text: shortText(99), chunking: CHUNKING }));
      expectUnavailable(await call('GET', `/v1/status/${before[1]}`));
      expectUnavailable(await call('POST', '/v1/search', { query: 'subject20' }));
      await sleep(3000);
      await expectAlive();
      // The background loops failed every tick meanwhile (backing off), but each said so once.
      expect(linesOf('Poller tick failed') - logged.poller).toBe(1);
      expect(linesOf('Index check failed') - logged.indexer).toBeLessThanOrEqual(1);
    } finally {
      await postgres.resume();
    }
    await eventually(async () => {
      const answer = await call('POST', '/v1/ingest', { text: shortText(22), chunking: CHUNKING });
      if (answer.status === 202) accepted.set(answer.body.id, shortText(22));
      return answer.status === 202 ? true : undefined;
    }, 30_000);
    await expectAllCompletedOnce();
    await expectAlive();
  }, 120_000);

  it('should answer 503 with Retry-After while the database is stalled (SIGSTOP), and recover after SIGCONT', async () => {
    const id = await ingest(shortText(30));
    await service.waitForStatus(id, 'completed', 30_000);
    postgres.signalAll('SIGSTOP');
    try {
      // Each bounded by DB_ACQUIRE_TIMEOUT_MS / DB_STATEMENT_TIMEOUT_MS; the status code is asserted, not the time.
      // With a key: an INSERT sent before the answer timed out may still commit once the server runs again (as with
      // any commit whose answer is lost), and only the key lets the client's retry find it instead of adding a copy.
      expectUnavailable(await call('POST', '/v1/ingest', { text: shortText(98), chunking: CHUNKING }, { 'idempotency-key': 'stalled-ingest' }));
      expectUnavailable(await call('GET', `/v1/status/${id}`));
      expectUnavailable(await call('POST', '/v1/search', { query: 'subject30' }));
      await expectAlive();
    } finally {
      postgres.signalAll('SIGCONT');
    }
    await eventually(async () => {
      const answer = await call('POST', '/v1/ingest', { text: shortText(31), chunking: CHUNKING });
      if (answer.status === 202) accepted.set(answer.body.id, shortText(31));
      return answer.status === 202 ? true : undefined;
    }, 30_000);
    expect((await call('GET', `/v1/status/${id}`)).status).toBe(200);
    const retried = await call('POST', '/v1/ingest', { text: shortText(98), chunking: CHUNKING }, { 'idempotency-key': 'stalled-ingest' });
    expect([200, 202]).toContain(retried.status);
    accepted.set(retried.body.id, shortText(98));
    await expectAllCompletedOnce();
    await expectAlive();
  }, 90_000);
});
