import { vector } from '@electric-sql/pglite-pgvector';
import type { Options } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { PgliteDriver } from '@mikro-orm/pglite';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { CompiledQuery, type DatabaseConnection } from 'kysely';
import { mkdirSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Pool } from 'pg';
import { migrationsList } from '../../migrations';
import type { AppConfig } from '../config/app-config';
import { boundStatements } from './connection-bounds';

/** The one ORM configuration, for the app, the migration scripts and the tests. */
export function createOrmOptions(config: AppConfig): Partial<Options> {
  const common = {
    schema: config.DB_SCHEMA,
    extensions: [Migrator],
    migrations: {
      // Listed explicitly (migrations/index.ts) so the same list runs from TypeScript, compiled JS and jest.
      migrationsList,
      tableName: 'mikro_orm_migrations',
      path: resolve(process.cwd(), 'migrations'),
      snapshot: false,
      emit: 'ts' as const,
    },
    discovery: { warnWhenNoEntities: false },
    // ANSI colours would end up inside JSON log lines.
    // pino-pretty colours what it prints; the ORM's own escape codes would show raw inside its lines.
    colors: false,
    allowGlobalContext: false,
    onCreateConnection: (connection: unknown) => applySearchSettings(connection as DatabaseConnection, config),
  };
  if (config.DATABASE_URL) {
    return {
      ...common,
      driver: PostgreSqlDriver,
      clientUrl: config.DATABASE_URL,
      pool: { max: config.DB_POOL_SIZE },
      // pg's Pool options: bounded waits for a connection (from the pool or a new one) and for every statement, so
      // a stalled database answers 503 instead of hanging requests. Keepalive notices a peer that vanished.
      driverOptions: {
        connectionTimeoutMillis: config.DB_ACQUIRE_TIMEOUT_MS,
        statement_timeout: config.DB_STATEMENT_TIMEOUT_MS,
        keepAlive: true,
        onPoolCreated: (pool: Pool) => boundStatements(pool, config.DB_STATEMENT_TIMEOUT_MS),
      },
    };
  }
  return {
    ...common,
    driver: PgliteDriver,
    dbName: embeddedDataDir(config.DATA_DIR),
    driverOptions: { extensions: { vector } },
  };
}

/**
 * Every connection starts with the search's HNSW settings, so a search with the default ef_search is one
 * statement, without a transaction around SET LOCAL (four round trips fewer). Setting them before pgvector is
 * loaded in the session is fine: PostgreSQL keeps them as placeholders that pgvector takes over when it loads.
 */
async function applySearchSettings(connection: DatabaseConnection, config: AppConfig): Promise<void> {
  await connection.executeQuery(CompiledQuery.raw(`set hnsw.ef_search = ${Math.trunc(config.SEARCH_EF_SEARCH)}`));
  // pgvector 0.8: a filtered search keeps walking the graph until it has top_k matching rows.
  await connection.executeQuery(CompiledQuery.raw('set hnsw.iterative_scan = relaxed_order'));
}

/** PGlite's data folder; `memory://` keeps the database in memory (tests). */
export function embeddedDataDir(dataDir: string): string {
  if (dataDir.startsWith('memory://')) return dataDir;
  const path = isAbsolute(dataDir) ? dataDir : resolve(process.cwd(), dataDir);
  // PGlite creates its own folder but not the parents (./data of ./data/pglite on a fresh clone).
  mkdirSync(dirname(path), { recursive: true });
  return path;
}
