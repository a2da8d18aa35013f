import { Client } from 'pg';
import { FixedSizeChunker } from '../../src/chunking/fixed-size.chunker';
import { AppProcess } from '../support/app-process';
import { eventually } from '../support/http';
import { PrivatePostgres } from '../support/private-postgres';

const CHUNKING = { strategy: 'fixed' as const, chunk_size: 200, chunk_overlap: 40 };
const documentText = (n: number) =>
  Array.from({ length: 600 }, (_, i) => `Outage document ${n} line ${i} mentions subject${n} and thing${i}.`).join(' ');
const expectedChunks = (n: number) => new FixedSizeChunker().split(documentText(n), CHUNKING).length;

/**
 * Stops and restarts a PostgreSQL under the running service. That must never be the shared cluster, so this
 * suite always starts a private PostgreSQL of its own, whatever TEST_DATABASE_URL says.
 */
const unavailable = PrivatePostgres.unavailableReason();
if (unavailable) console.warn(`[database outage] skipping: ${unavailable}`);
(unavailable ? describe.skip : describe)(`database outage [private PostgreSQL${unavailable ? `, skipped: ${unavailable}` : ''}]`, () => {
  let postgres: PrivatePostgres;
  let service: AppProcess;

  beforeAll(async () => {
    postgres = await PrivatePostgres.start();
    service = await AppProcess.start({
      DATABASE_URL: postgres.url,
      MIGRATIONS_RUN_ON_BOOT: 'true',
      POLL_INTERVAL_MS: '100',
      // Requests in flight when the database vanished are reclaimed after the lease.
      JOB_LEASE_MS: '3000',
      RETRY_BASE_DELAY_MS: '200',
    }).then((s) => s.ready());
  });

  afterAll(async () => {
    await service?.stop();
    await postgres?.destroy();
  });

  it('should answer 503 with Retry-After while the database is down, lose nothing accepted, and recover without a restart', async () => {
    const ids: string[] = [];
    for (let n = 0; n < 20; n++) {
      const accepted = await service.json('POST', '/v1/ingest', { text: documentText(n), chunking: CHUNKING });
      expect(accepted.status).toBe(202);
      ids.push(accepted.body.id);
    }

    await postgres.pause();
    const refused = await service.json('POST', '/v1/ingest', { text: documentText(99), chunking: CHUNKING });
    expect(refused.status).toBe(503);
    expect(refused.body).toEqual({ statusCode: 503, code: 'DATABASE_UNAVAILABLE', message: expect.any(String) });
    expect(refused.headers.get('retry-after')).toBe('5');
    const status = await service.json('GET', `/v1/status/${ids[0]}`);
    expect(status).toMatchObject({ status: 503, body: { code: 'DATABASE_UNAVAILABLE' } });
    const search = await service.json('POST', '/v1/search', { query: 'subject1' });
    expect(search).toMatchObject({ status: 503, body: { code: 'DATABASE_UNAVAILABLE' } });
    // The poller keeps failing, and backing off, while the database is away.
    await new Promise((resolve) => setTimeout(resolve, 1500));

    await postgres.resume();
    const resumedAt = Date.now();
    // The same process recovers by itself: the API accepts again...
    const after = await eventually(async () => {
      const response = await service.json('POST', '/v1/ingest', { text: documentText(20), chunking: CHUNKING });
      return response.status === 202 ? response.body : undefined;
    }, 30_000);
    ids.push(after.id);

    // ...and the poller completes everything accepted, before and after the outage, once each.
    for (const [n, id] of ids.entries()) {
      const done = await service.waitForStatus(id);
      expect(done.chunk_count).toBe(expectedChunks(n));
    }
    // Exactly the expected chunks, none twice (chunk ids are deterministic per ingestion and index).
    const client = new Client({ connectionString: postgres.url });
    await client.connect();
    const { rows } = await client
      .query<{ total: string; distinct_chunks: string }>(
        `select count(*) as total, count(distinct (ingestion_id, chunk_index)) as distinct_chunks from ingestion_service.chunk_vectors`,
      )
      .finally(() => client.end());
    const expectedTotal = ids.reduce((sum, _, n) => sum + expectedChunks(n), 0);
    expect(rows[0]).toEqual({ total: String(expectedTotal), distinct_chunks: String(expectedTotal) });
    expect(service.log).toContain('Poller tick failed');
    // The outage fell in the middle of the work: some requests accepted before it completed only after it.
    const completedAt = await Promise.all(ids.map(async (id) => Date.parse((await service.json('GET', `/v1/status/${id}`)).body.completed_at)));
    expect(completedAt.filter((t) => t > resumedAt).length).toBeGreaterThan(1);
  });
});
