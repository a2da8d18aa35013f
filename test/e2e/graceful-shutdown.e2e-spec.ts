import { AppProcess } from '../support/app-process';
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
});
