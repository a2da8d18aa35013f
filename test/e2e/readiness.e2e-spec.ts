import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.factory';
import { loadConfig } from '../../src/config/app-config';
import { eventually, request } from '../support/http';
import { PrivatePostgres } from '../support/private-postgres';

/**
 * Readiness follows the database down and back up without a restart. It needs a PostgreSQL it may stop: a
 * private cluster, never the shared one. It runs with the native-PostgreSQL suite (TEST_DATABASE_URL set, where
 * pgvector is installed); embedded PGlite lives inside the process and cannot be stopped.
 */
const reason = process.env.TEST_DATABASE_URL
  ? process.env.TEST_DATABASE === 'testcontainers'
    ? 'the testcontainers run covers the integration suite only'
    : PrivatePostgres.unavailableReason()
  : 'runs in the native-PostgreSQL suite (TEST_DATABASE_URL); embedded PGlite cannot be stopped';
const describePrivatePostgres = reason ? describe.skip : describe;

describePrivatePostgres(`readiness against a database that goes away${reason ? ` [skipped: ${reason}]` : ' [private PostgreSQL]'}`, () => {
  let postgres: PrivatePostgres;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    postgres = await PrivatePostgres.start();
    app = await createApp(
      loadConfig({
        DATABASE_URL: postgres.url,
        MIGRATIONS_RUN_ON_BOOT: 'true',
        LOG_LEVEL: 'error',
        POLL_INTERVAL_MS: '100',
        HEALTH_CHECK_TIMEOUT_MS: '2000',
      }),
    );
  });

  afterAll(async () => {
    await app?.close();
    await postgres?.destroy();
  });

  const ready = () => request(app, 'GET', '/health/ready');

  it('should turn 503 when the database stops and 200 again when it returns, without a restart', async () => {
    expect((await ready()).status).toBe(200);

    await postgres.pause();
    const down = await eventually(async () => {
      const response = await ready();
      return response.status === 503 ? response : undefined;
    });
    expect(down.body).toMatchObject({
      statusCode: 503,
      code: 'NOT_READY',
      message: expect.stringContaining('database'),
      details: { status: 'error', details: { database: { status: 'down' }, embedder: { status: 'up' } } },
    });
    // Liveness does not depend on the database: the process must not be restarted for this.
    expect((await request(app, 'GET', '/health/live')).status).toBe(200);

    await postgres.resume();
    const up = await eventually(async () => {
      const response = await ready();
      return response.status === 200 ? response : undefined;
    }, 30_000);
    expect(up.body.details).toMatchObject({ database: { status: 'up' }, pgvector: { status: 'up' }, migrations: { status: 'up' } });
    // And the service works again: an ingest is accepted and processed.
    const accepted = await request(app, 'POST', '/v1/ingest', { text: 'back online' });
    expect(accepted.status).toBe(202);
    await eventually(async () => ((await request(app, 'GET', `/v1/status/${accepted.body.id}`)).body.status === 'completed' ? true : undefined));
  });
});
