import { vector } from '@electric-sql/pglite-pgvector';
import type { Options } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { PgliteDriver } from '@mikro-orm/pglite';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { mkdirSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { migrationsList } from '../../migrations';
import type { AppConfig } from '../config/app-config';

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
    colors: config.logFormat === 'pretty',
    allowGlobalContext: false,
  };
  if (config.DATABASE_URL) {
    return { ...common, driver: PostgreSqlDriver, clientUrl: config.DATABASE_URL };
  }
  return {
    ...common,
    driver: PgliteDriver,
    dbName: embeddedDataDir(config.DATA_DIR),
    driverOptions: { extensions: { vector } },
  };
}

/** PGlite's data folder; `memory://` keeps the database in memory (tests). */
export function embeddedDataDir(dataDir: string): string {
  if (dataDir.startsWith('memory://')) return dataDir;
  const path = isAbsolute(dataDir) ? dataDir : resolve(process.cwd(), dataDir);
  // PGlite creates its own folder but not the parents (./data of ./data/pglite on a fresh clone).
  mkdirSync(dirname(path), { recursive: true });
  return path;
}
