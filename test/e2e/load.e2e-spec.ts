import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import autocannon from 'autocannon';
import { DbQueries } from '../support/db-queries';
import { eventually } from '../support/http';
import { describeDatabase } from '../support/test-database';
import { useHttpApp } from '../support/use-test-app';

/** Small on purpose: the machine is shared. This checks correctness under concurrency, not speed. */
const TOTAL_REQUESTS = 300;
const CONNECTIONS = 6;

describeDatabase('bounded load run (autocannon, loopback)', () => {
  const suite = useHttpApp({ POLLER_ENABLED: 'true', POLL_INTERVAL_MS: '50', LOG_LEVEL: 'error' });
  let app: NestFastifyApplication;
  let db: DbQueries;
  let baseUrl: string;

  beforeAll(async () => {
    app = suite.app;
    await app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = await app.getUrl();
    db = suite.db;
  });

  it('should answer every concurrent ingest and search without error and lose no accepted request', async () => {
    const accepted: string[] = [];
    const failures: string[] = [];
    let sequence = 0;
    const record = (kind: string, expected: number) => (status: number, body: string) => {
      if (status !== expected) failures.push(`${kind} → ${status} ${body.slice(0, 200)}`);
      else if (kind === 'ingest') accepted.push((JSON.parse(body) as { id: string }).id);
    };

    const result = await autocannon({
      url: baseUrl.replace('localhost', '127.0.0.1'),
      connections: CONNECTIONS,
      amount: TOTAL_REQUESTS,
      timeout: 20,
      requests: [
        {
          method: 'POST',
          path: '/v1/ingest',
          headers: { 'content-type': 'application/json' },
          setupRequest: (request) => {
            const n = sequence++;
            const text = `Load document ${n}: ${Array.from({ length: 30 }, (_, i) => `word${(n * 7 + i) % 97}`).join(' ')}.`;
            return { ...request, body: JSON.stringify({ text, source_metadata: { n } }) };
          },
          onResponse: record('ingest', 202),
        },
        {
          method: 'POST',
          path: '/v1/search',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: 'word3 word14 load document', top_k: 5 }),
          onResponse: record('search', 200),
        },
      ],
    });

    console.log(
      `load run: ${result.requests.total} requests in ${result.duration} s, ${result.errors} errors, ${result.timeouts} timeouts, ` +
        `${result.non2xx} non-2xx, ${accepted.length} ingests accepted; latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms`,
    );
    expect(failures).toEqual([]);
    expect({ errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx }).toEqual({ errors: 0, timeouts: 0, non2xx: 0 });
    expect(accepted).toHaveLength(TOTAL_REQUESTS / 2);

    // Lost requests: every accepted ingestion is stored once and completes.
    expect(new Set(accepted).size).toBe(accepted.length);
    expect(await db.count('ingestion_requests')).toBe(accepted.length);
    await eventually(async () => ((await db.count('ingestion_requests', `status = 'completed'`)) === accepted.length ? true : undefined), 60_000);
    expect(await db.count('ingestion_requests', `status <> 'completed'`)).toBe(0);
  });
});
