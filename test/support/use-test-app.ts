import type { INestApplicationContext } from '@nestjs/common';
import type { TestingModuleBuilder } from '@nestjs/testing';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.factory';
import type { AppConfig } from '../../src/config/app-config';
import { DbQueries } from './db-queries';
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
