import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { AppConfig, loadConfig } from '../../src/config/app-config';

/** Which database this run tests against, for test names and skips. */
export function databaseTarget(): string {
  if (process.env.TEST_SKIP_REASON) return 'skipped';
  if (!process.env.TEST_DATABASE_URL) return 'PGlite';
  return process.env.TEST_DATABASE === 'testcontainers' ? 'PostgreSQL (testcontainers)' : 'PostgreSQL';
}

/**
 * `describe` on the database under test, named after it so the output shows where each suite ran.
 * When the chosen database cannot be had (no Docker engine for testcontainers) the suite is skipped and
 * the reason is part of its name.
 */
export function describeDatabase(name: string, fn: () => void): void {
  const reason = process.env.TEST_SKIP_REASON;
  if (reason) describe.skip(`${name} [skipped: ${reason}]`, fn);
  else describe(`${name} [${databaseTarget()}]`, fn);
}

/** Refuses to touch a database whose name does not say it is for tests. */
function assertTestDatabase(url: string): void {
  const name = new URL(url).pathname.slice(1);
  if (!/test/i.test(name)) throw new Error(`Refusing to run tests against database "${name}": its name must contain "test"`);
}

export interface TestDatabase {
  /** A config pointing at this test's own database (or schema), with the given overrides. */
  config(overrides?: Record<string, string>): AppConfig;
  /** Removes what the test created. */
  drop(): Promise<void>;
}

/**
 * A fresh, isolated database for one test file: a new schema on TEST_DATABASE_URL, or a new PGlite
 * data folder (kept on disk so a test can restart the app on the same data).
 */
export function createTestDatabase(): TestDatabase {
  const url = process.env.TEST_DATABASE_URL;
  const schema = `test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const dataDir = url ? undefined : mkdtempSync(join(tmpdir(), 'ingestion-test-'));
  if (url) assertTestDatabase(url);
  const base: Record<string, string> = url
    ? { DATABASE_URL: url, DB_SCHEMA: schema, MIGRATIONS_RUN_ON_BOOT: 'true' }
    : { DATA_DIR: join(dataDir!, 'pglite') };
  return {
    config: (overrides = {}) => loadConfig({ LOG_LEVEL: 'warn', POLLER_ENABLED: 'false', ...base, ...overrides }),
    drop: async () => {
      if (dataDir) return rmSync(dataDir, { recursive: true, force: true });
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await client.end();
      }
    },
  };
}
