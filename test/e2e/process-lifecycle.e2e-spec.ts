import { FixedSizeChunker } from '../../src/chunking/fixed-size.chunker';
import { AppProcess } from '../support/app-process';
import { createTestDatabase, describeDatabase, TestDatabase } from '../support/test-database';

const CHUNKING = { strategy: 'fixed' as const, chunk_size: 200, chunk_overlap: 40 };
const documentText = (n: number) => Array.from({ length: 60 }, (_, i) => `Document ${n} sentence ${i} talks about topic${n} and item${i}.`).join(' ');

/** These run the built service (dist/) as a separate process, the way `npm start` does. */
describeDatabase('the service as a process', () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  let app: AppProcess | undefined;

  beforeEach(() => {
    database = createTestDatabase();
    const config = database.config();
    env = config.DATABASE_URL
      ? { DATABASE_URL: config.DATABASE_URL, DB_SCHEMA: config.DB_SCHEMA, MIGRATIONS_RUN_ON_BOOT: 'true' }
      : { DATA_DIR: config.DATA_DIR };
    // A short lease so that, on PostgreSQL, work left `running` by a killed worker is reclaimed quickly.
    Object.assign(env, { POLL_INTERVAL_MS: '50', JOB_LEASE_MS: '2000' });
  });

  /** Starts the service; afterEach stops whatever was started last. */
  const launch = async (extra: Record<string, string> = {}, waitReady = true): Promise<AppProcess> => {
    const started = await AppProcess.start({ ...env, ...extra });
    app = started;
    return waitReady ? started.ready() : started;
  };

  afterEach(async () => {
    await app?.stop();
    app = undefined;
    await database.drop();
  });

  it('should lose nothing accepted when killed with SIGKILL mid-ingestion, and keep what was completed', async () => {
    let service = await launch();
    const ids: string[] = [];
    for (let n = 0; n < 25; n++) {
      const accepted = await service.json('POST', '/v1/ingest', { text: documentText(n), chunking: CHUNKING });
      expect(accepted.status).toBe(202);
      ids.push(accepted.body.id);
    }
    // Kill it as soon as the first document is done, with the rest accepted or running.
    await service.waitForStatus(ids[0]);
    await service.kill9();

    service = await launch();
    const expectedChunks = (n: number) => new FixedSizeChunker().split(documentText(n), CHUNKING).length;
    for (const [n, id] of ids.entries()) {
      const done = await service.waitForStatus(id);
      expect(done.chunk_count).toBe(expectedChunks(n));
    }
    // Every chunk is stored exactly once: a search restricted to one ingestion returns its chunks, no duplicates.
    const hits = await service.json('POST', '/v1/search', { query: 'topic7 item3', ingestion_id: ids[7], top_k: 100 });
    const indexes = hits.body.results.map((r: { chunk_index: number }) => r.chunk_index);
    expect(indexes).toHaveLength(expectedChunks(7));
    expect(new Set(indexes).size).toBe(indexes.length);

    // A second SIGKILL after completion: status and vectors are still there afterwards.
    await service.kill9();
    service = await launch();
    expect((await service.json('GET', `/v1/status/${ids[24]}`)).body).toMatchObject({ status: 'completed', chunk_count: expectedChunks(24) });
    const found = await service.json('POST', '/v1/search', { query: 'Document 24 sentence 5 topic24 item5', top_k: 1 });
    expect(found.body.results[0].ingestion_id).toBe(ids[24]);
  });

  it('should refuse to start, saying what to do, when a migration is pending and not to be applied', async () => {
    const service = await launch({ MIGRATIONS_RUN_ON_BOOT: 'false' }, false);
    expect(await service.exited()).toBe(1);
    expect(service.log).toContain('ingestion-service cannot start');
    expect(service.log).toContain('pending: Migration20261125000000_initial');
    expect(service.log).toContain('npm run migration:up');
  });

  it('should refuse to start naming every bad environment variable', async () => {
    const service = await launch({ POLL_INTERVAL_MS: 'soon', DB_SCHEMA: 'Bad-Schema' }, false);
    expect(await service.exited()).toBe(1);
    expect(service.log).toContain('POLL_INTERVAL_MS="soon"');
    expect(service.log).toContain('DB_SCHEMA="Bad-Schema"');
  });
});
