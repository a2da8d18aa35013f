import { Client } from 'pg';
import { FixedSizeChunker } from '../../src/chunking/fixed-size.chunker';
import { AppProcess } from '../support/app-process';
import { eventually } from '../support/http';
import { PrivatePostgres } from '../support/private-postgres';
import { createTestDatabase } from '../support/test-database';

const CHUNKING = { strategy: 'fixed' as const, chunk_size: 200, chunk_overlap: 40 };
const REQUESTS = 40;
const documentText = (n: number) => Array.from({ length: 80 }, (_, i) => `Worker document ${n} line ${i} covers field${n} and detail${i}.`).join(' ');
const expectedChunks = (n: number) => new FixedSizeChunker().split(documentText(n), CHUNKING).length;

/**
 * Two processes share one PostgreSQL (the embedded database admits one process only): TEST_DATABASE_URL
 * when set, else a private PostgreSQL started for this suite.
 */
const unavailable = process.env.TEST_DATABASE_URL ? undefined : PrivatePostgres.unavailableReason();
if (unavailable) console.warn(`[several workers] skipping: ${unavailable}`);
const target = process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'private PostgreSQL';
(unavailable ? describe.skip : describe)(`several worker processes [${target}${unavailable ? `, skipped: ${unavailable}` : ''}]`, () => {
  let postgres: PrivatePostgres | undefined;
  let drop: () => Promise<void> = async () => undefined;
  let url: string;
  let schema: string;
  const workers: AppProcess[] = [];

  beforeAll(async () => {
    if (process.env.TEST_DATABASE_URL) {
      const database = createTestDatabase();
      const config = database.config();
      [url, schema, drop] = [config.DATABASE_URL!, config.DB_SCHEMA, () => database.drop()];
    } else {
      postgres = await PrivatePostgres.start();
      [url, schema] = [postgres.url, 'ingestion_service'];
    }
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await drop();
    await postgres?.destroy();
  });

  it('should process each of N requests exactly once across two processes, with no duplicate chunk', async () => {
    const env = {
      DATABASE_URL: url,
      DB_SCHEMA: schema,
      MIGRATIONS_RUN_ON_BOOT: 'true',
      LOG_LEVEL: 'log',
      POLL_INTERVAL_MS: '50',
      POLL_BATCH_SIZE: '2',
      POLL_CONCURRENCY: '2',
    };
    // Both boot at once: the advisory lock lets one migrate while the other waits.
    workers.push(...(await Promise.all([AppProcess.start(env), AppProcess.start(env)]).then((ws) => Promise.all(ws.map((w) => w.ready())))));

    const ids = await Promise.all(
      Array.from({ length: REQUESTS }, async (_, n) => {
        const response = await workers[n % 2].json('POST', '/v1/ingest', { text: documentText(n), chunking: CHUNKING });
        expect(response.status).toBe(202);
        return response.body.id as string;
      }),
    );
    for (const [n, id] of ids.entries()) {
      const done = await eventually(async () => {
        const { body } = await workers[0].json('GET', `/v1/status/${id}`);
        return body.status === 'completed' ? body : undefined;
      }, 30_000);
      expect(done).toMatchObject({ attempts: 1, chunk_count: expectedChunks(n) });
    }

    // Each request was completed by exactly one of the two processes, and both took part.
    const completedBy = workers.map((w) => [...w.log.matchAll(/ingestion ([0-9a-f-]{36}): completed with/g)].map((m) => m[1]));
    expect([...completedBy[0], ...completedBy[1]].sort()).toEqual([...ids].sort());
    expect(completedBy[0].length).toBeGreaterThan(0);
    expect(completedBy[1].length).toBeGreaterThan(0);

    const client = new Client({ connectionString: url });
    await client.connect();
    const { rows } = await client
      .query<{ total: string; distinct_chunks: string }>(
        `select count(*) as total, count(distinct (ingestion_id, chunk_index)) as distinct_chunks from "${schema}".chunk_vectors`,
      )
      .finally(() => client.end());
    const expectedTotal = ids.reduce((sum, _, n) => sum + expectedChunks(n), 0);
    expect(rows[0]).toEqual({ total: String(expectedTotal), distinct_chunks: String(expectedTotal) });
  });
});
