import type { INestApplicationContext } from '@nestjs/common';
import type { TestingModuleBuilder } from '@nestjs/testing';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.factory';
import type { AppConfig } from '../../src/config/app-config';
import type { SqlEntityManager } from '../../src/database/sql';
import { DbQueries } from './db-queries';
import { migratedOrm } from './migrated-orm';
import { createTestApp } from './test-app';
import { createTestDatabase, TestDatabase } from './test-database';

/** A suite's own database and app, readable from its beforeAll on. */
export interface TestSuite<App extends INestApplicationContext> {
  readonly app: App;
  readonly database: TestDatabase;
  readonly config: AppConfig;
  /** Plain SQL on the app's database, for assertions. */
  readonly db: DbQueries;
}

/**
 * Registers the suite's set-up and tear-down: a fresh database (PGlite, or a schema of TEST_DATABASE_URL) and
 * the app on it, with `env` over the test defaults, created before the suite's tests and closed and dropped
 * after them. Call it in the describe block, before the suite's own beforeAll (which may then read it).
 */
function useSuite<App extends INestApplicationContext>(start: (config: AppConfig) => Promise<App>, env: Record<string, string>): TestSuite<App> {
  let database: TestDatabase | undefined;
  let started: TestSuite<App> | undefined;
  beforeAll(async () => {
    database = createTestDatabase();
    const config = database.config(env);
    const app = await start(config);
    started = { app, database, config, db: new DbQueries(app) };
  });
  afterAll(async () => {
    await started?.app.close();
    await database?.drop();
  });
  const suite = (): TestSuite<App> => {
    if (!started) throw new Error('the suite is not set up: read it in beforeAll or a test, not in the describe block');
    return started;
  };
  return {
    get app() {
      return suite().app;
    },
    get database() {
      return suite().database;
    },
    get config() {
      return suite().config;
    },
    get db() {
      return suite().db;
    },
  };
}

/** The whole AppModule without HTTP (see createTestApp), for integration suites. */
export function useTestApp(
  env: Record<string, string> = {},
  customize?: (builder: TestingModuleBuilder) => TestingModuleBuilder,
): TestSuite<INestApplicationContext> {
  return useSuite((config) => createTestApp(config, customize), env);
}

/** The service as it runs, HTTP included (requests through app.inject), for e2e suites. */
export function useHttpApp(env: Record<string, string> = {}): TestSuite<NestFastifyApplication> {
  return useSuite(createApp, env);
}

/** A suite's own database at the latest migration, without the app: for suites that test SQL directly. */
export interface MigratedDatabase {
  readonly database: TestDatabase;
  /** A fresh entity manager on it. */
  em(): SqlEntityManager;
}

/** Registers the set-up and tear-down of a bare migrated database (see useSuite). */
export function useMigratedDatabase(): MigratedDatabase {
  let database: TestDatabase | undefined;
  let orm: Awaited<ReturnType<typeof migratedOrm>> | undefined;
  beforeAll(async () => {
    database = createTestDatabase();
    orm = await migratedOrm(database.config());
  });
  afterAll(async () => {
    await orm?.close();
    await database?.drop();
  });
  const ready = () => {
    if (!database || !orm) throw new Error('the database is not set up: use it in beforeAll or a test, not in the describe block');
    return { database, orm };
  };
  return {
    get database() {
      return ready().database;
    },
    em: () => ready().orm.em(),
  };
}
