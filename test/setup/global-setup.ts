import { startTestcontainersDatabase } from '../support/testcontainers';

/**
 * Picks the database the integration and e2e suites run on:
 *  - TEST_DATABASE=testcontainers: a throwaway pgvector container (skipped, with the reason printed, when no
 *    Docker engine is reachable);
 *  - TEST_DATABASE_URL set: that PostgreSQL (each test file gets its own schema there);
 *  - otherwise embedded PGlite (each test file gets its own in-memory database).
 * Workers are started after this runs, so what it puts in process.env reaches them.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_DATABASE !== 'testcontainers') return;
  const started = await startTestcontainersDatabase();
  if ('skipReason' in started) {
    process.env.TEST_SKIP_REASON = started.skipReason;
    console.warn(`\n[testcontainers] skipping the suite: ${started.skipReason}\n`);
  } else {
    process.env.TEST_DATABASE_URL = started.url;
  }
}
