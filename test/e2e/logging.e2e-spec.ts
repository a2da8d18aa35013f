import { AppProcess } from '../support/app-process';
import { eventually } from '../support/http';
import { createTestDatabase, describeDatabase, TestDatabase } from '../support/test-database';

const API_KEY = 'log-test-key-7f3a9c1e5b2d8064';
const DB_PASSWORD = 'db-pass-5e8c2a7f1d';

/** One request to the running process, with headers (AppProcess.json sends none). */
async function call(service: AppProcess, method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const response = await fetch(`${service.baseUrl}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any, headers: response.headers };
}

/** The built service as a process with JSON logs: what an operator's log shipper would receive. */
describeDatabase('the service logs', () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  let app: AppProcess | undefined;

  beforeAll(() => {
    database = createTestDatabase();
    const config = database.config();
    env = config.DATABASE_URL
      ? {
          // The shared test cluster trusts local connections, so a password in the URL is accepted and unused:
          // what matters is that the service knows it as a secret.
          DATABASE_URL: config.DATABASE_URL.replace('postgres://postgres@', `postgres://postgres:${DB_PASSWORD}@`),
          DB_SCHEMA: config.DB_SCHEMA,
          MIGRATIONS_RUN_ON_BOOT: 'true',
        }
      : { DATA_DIR: config.DATA_DIR };
  });

  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });

  afterAll(async () => {
    await database.drop();
  });

  it('should write JSON lines with the request id on HTTP lines and the ingestion id on worker lines, never a secret', async () => {
    const service = await AppProcess.start({ ...env, LOG_FORMAT: 'json', LOG_LEVEL: 'log', API_KEYS: API_KEY, POLL_INTERVAL_MS: '50' });
    app = service;
    await service.ready();
    const auth = { authorization: `Bearer ${API_KEY}` };
    const accepted = await call(
      service,
      'POST',
      '/v1/ingest',
      { ...auth, 'x-request-id': 'req-trace-0001' },
      { text: 'Structured logs make one request easy to follow.' },
    );
    expect(accepted.status).toBe(202);
    expect(accepted.headers.get('x-request-id')).toBe('req-trace-0001');
    const id: string = accepted.body.id;
    await eventually(async () => ((await call(service, 'GET', `/v1/status/${id}`, auth)).body.status === 'completed' ? true : undefined));
    expect((await call(service, 'GET', '/v1/status/not-a-uuid', { authorization: 'Bearer wrong-key-0000000000' })).status).toBe(401);
    // Secrets where a careless client or an error message could put them: in a logged URL. (On PGlite there is
    // no database password to protect.)
    const secrets = env.DATABASE_URL ? [API_KEY, DB_PASSWORD] : [API_KEY];
    await call(service, 'GET', `/v1/status/${secrets.join('-')}?api_key=${API_KEY}`, auth);
    await service.stop();

    const lines = service.log.split('\n').filter((line) => line.trim() !== '');
    const entries = lines.map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON log line: ${line}`);
      }
    });
    const ingestLine = entries.find((e) => e.msg === 'request completed' && e.url === '/v1/ingest');
    expect(ingestLine).toMatchObject({
      level: 'info',
      request_id: 'req-trace-0001',
      method: 'POST',
      status_code: 202,
      api_key_id: expect.stringMatching(/^key:[0-9a-f]{8}$/),
    });
    for (const entry of entries.filter((e) => e.msg === 'request completed')) expect(entry.request_id).toEqual(expect.any(String));
    const workerLines = entries.filter((e) => e.context === 'IngestionProcessor');
    expect(workerLines.length).toBeGreaterThan(0);
    for (const entry of workerLines) expect(entry.ingestion_id).toBe(id);
    expect(entries.some((e) => e.msg === 'request completed' && e.status_code === 401)).toBe(true);

    for (const secret of secrets) expect(service.log).not.toContain(secret);
    expect(entries.find((e) => e.status_code === 400)?.url).toBe(`/v1/status/${secrets.map(() => '[REDACTED]').join('-')}?api_key=[REDACTED]`);
  });

  it('should write one readable line per request in the pretty format, no escape codes, and say where to go', async () => {
    const service = await AppProcess.start({ ...env, LOG_FORMAT: 'pretty', LOG_LEVEL: 'log', HOST: '0.0.0.0' });
    app = service;
    await service.ready();
    await call(service, 'POST', '/v1/ingest', {}, { text: 'One line per request.' });
    await call(service, 'GET', '/v1/nothing-here', {});
    const lines = await eventually(async () => {
      const all = service.log.split('\n');
      return all.some((line) => line.includes('GET /v1/nothing-here 404')) ? all : undefined;
    });
    expect(lines.filter((line) => line.includes('/v1/ingest'))).toEqual([
      expect.stringMatching(/INFO: POST \/v1\/ingest 202 \d+ ms \{"request_id":"[^"]+"\}$/),
    ]);
    expect(service.log).not.toContain('\u001b[');
    expect(service.log).not.toMatch(/InstanceLoader|RouterExplorer|\[migrator\]/);
    expect(service.log).toMatch(/Ready: web page http:\/\/0\.0\.0\.0:\d+\/ · API .*\/v1 · docs .*\/docs · database: /);
    // Bound beyond loopback with no API keys: said once, loudly.
    expect(service.log.match(/WARN: .*with no API_KEYS/g)).toHaveLength(1);
  });

  it('should refuse to start naming each bad operational setting, without echoing the keys', async () => {
    const service = await AppProcess.start({
      ...env,
      API_KEYS: `${API_KEY},tooshort`,
      RATE_LIMIT_MAX: 'lots',
      CORS_ORIGINS: 'example.com',
      LOG_FORMAT: 'xml',
    });
    app = service;
    expect(await service.exited()).toBe(1);
    expect(service.log).toContain('ingestion-service cannot start');
    for (const name of ['API_KEYS=<redacted>', 'RATE_LIMIT_MAX="lots"', 'CORS_ORIGINS="example.com"', 'LOG_FORMAT="xml"']) {
      expect(service.log).toContain(name);
    }
    expect(service.log).not.toContain(API_KEY);
    expect(service.log).not.toContain('tooshort');
  });
});
