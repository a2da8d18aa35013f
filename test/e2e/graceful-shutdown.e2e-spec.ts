import { longText } from '../factories/long-text.factory';
import { AppProcess } from '../support/app-process';
import { EmbeddingServer } from '../support/embedding-server';
import { eventually } from '../support/http';
import { createTestDatabase, describeDatabase, TestDatabase } from '../support/test-database';

const CHUNKING = { strategy: 'fixed' as const, chunk_size: 200, chunk_overlap: 40 };
const documentText = (n: number) =>
  Array.from({ length: 400 }, (_, i) => `Shutdown document ${n} line ${i} is about area${n} and part${i}.`).join(' ');

describeDatabase('graceful shutdown (SIGTERM)', () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  let service: AppProcess;

  beforeAll(() => {
    database = createTestDatabase();
    const config = database.config();
    env = config.DATABASE_URL
      ? { DATABASE_URL: config.DATABASE_URL, DB_SCHEMA: config.DB_SCHEMA, MIGRATIONS_RUN_ON_BOOT: 'true' }
      : { DATA_DIR: config.DATA_DIR };
    // The default 5-minute lease: anything SIGTERM left `running` would visibly stay running.
    Object.assign(env, { LOG_LEVEL: 'log', POLL_INTERVAL_MS: '50', POLL_BATCH_SIZE: '4', POLL_CONCURRENCY: '2' });
  });

  afterAll(async () => {
    await service?.stop();
    await database.drop();
  });

  it('should stop claiming, finish or release what it holds, and exit; a restart completes everything once', async () => {
    // Queue the work first (no poller), so that SIGTERM surely finds some of it unfinished.
    service = await AppProcess.start({ ...env, POLLER_ENABLED: 'false' }).then((s) => s.ready());
    const ids: string[] = [];
    for (let n = 0; n < 48; n++) ids.push((await service.json('POST', '/v1/ingest', { text: documentText(n), chunking: CHUNKING })).body.id);
    await service.stop();

    service = await AppProcess.start(env).then((s) => s.ready());
    // SIGTERM as soon as the first request is done (read from its log: on the embedded database a status
    // request may wait behind the poller's transactions).
    // Generous waits throughout: a loaded 2-core machine is slow, and only the outcome is asserted.
    await eventually(async () => (service.log.includes('completed with') ? true : undefined), 120_000);
    expect(await service.terminate()).toMatch(/^(0|SIGTERM)$/);
    expect(service.log).toContain('Shutting down: no more claims');

    // Read the rows with no poller running: SIGTERM left nothing `running` (no lease to wait for).
    service = await AppProcess.start({ ...env, POLLER_ENABLED: 'false' }).then((s) => s.ready());
    const after = await Promise.all(ids.map(async (id) => (await service.json('GET', `/v1/status/${id}`)).body));
    expect(after.map((s) => s.status).filter((s) => s !== 'accepted' && s !== 'completed')).toEqual([]);
    expect(after.some((s) => s.status === 'accepted')).toBe(true);
    await service.stop();

    service = await AppProcess.start(env).then((s) => s.ready());
    for (const id of ids) {
      const done = await eventually(async () => {
        const { body } = await service.json('GET', `/v1/status/${id}`);
        return body.status === 'completed' ? body : undefined;
      }, 120_000);
      // Released requests did not count an attempt: every request was processed exactly once.
      expect(done.attempts).toBe(1);
    }
  });

  it('should abandon a long text still in progress once SHUTDOWN_GRACE_MS is over: rolled back, released, attempt not counted, and exit', async () => {
    await service?.stop(); // the service the test before left running
    // A provider that answers the first two windows' requests (4 each) and then never answers: the long text's
    // transaction stays open, waiting, when SIGTERM comes.
    const provider = await EmbeddingServer.start('openai', { script: (n) => (n < 8 ? { kind: 'embed' } : { kind: 'embed', delayMs: 3_600_000 }) });
    try {
      const providerEnv = {
        EMBEDDING_PROVIDER: 'openai',
        EMBEDDING_BASE_URL: provider.baseUrl,
        EMBEDDING_MODEL: 'test-model',
        EMBEDDING_TIMEOUT_MS: '600000',
        SHUTDOWN_GRACE_MS: '2000',
      };
      service = await AppProcess.start({ ...env, ...providerEnv }).then((s) => s.ready());
      const { body } = await service.json('POST', '/v1/ingest', { text: longText(600_000, { seed: 11 }), chunking: CHUNKING });
      await eventually(async () => (provider.requests.length > 8 ? true : undefined), 120_000);

      const exit = await service.terminate();
      // The log, should the exit be unclean, says why.
      expect({ exit: String(exit), log: String(exit) === '1' ? service.log : '' }).toEqual({ exit: expect.stringMatching(/^(0|SIGTERM)$/), log: '' });
      expect(service.log).toMatch(/1 request\(s\) still in progress after 2000 ms \(SHUTDOWN_GRACE_MS\); abandoning them/);
      expect(service.log).toContain('processing abandoned: shutdown; nothing stored');
      expect(service.log).toContain('Released 1 claimed request(s) on shutdown');
      // Nothing runs on once the ORM is closed, and no background loop repeats its failure.
      expect(service.log).not.toMatch(/Heartbeat failed|driver has already been destroyed/);
      expect((service.log.match(/Index check failed/g) ?? []).length).toBeLessThanOrEqual(1);

      service = await AppProcess.start({ ...env, POLLER_ENABLED: 'false' }).then((s) => s.ready());
      const after = (await service.json('GET', `/v1/status/${body.id}`)).body;
      expect(after).toMatchObject({ status: 'accepted', attempts: 0, chunk_count: null });
      const hits = (await service.json('POST', '/v1/search', { query: 'harbour ledger', mode: 'keyword' })).body.results;
      expect(hits.filter((h: { ingestion_id: string }) => h.ingestion_id === body.id)).toEqual([]);
    } finally {
      await service?.stop();
      await provider.stop();
    }
  });
});
