import { MikroORM, type Transaction } from '@mikro-orm/core';
import type { Migrator } from '@mikro-orm/migrations';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Client } from 'pg';
import { AppConfig } from '../config/app-config';
import { BootCheckError } from './boot-check.error';
import { withStatementTimeout } from './connection-bounds';
import type { SqlEntityManager } from './sql';

/** Any fixed 64-bit number shared by every instance: the advisory lock that serialises boot-time migrations. */
const MIGRATION_LOCK_KEY = 7_460_146_529;

/**
 * Runs before anything touches the tables: checks that pgvector is available and that no migration is
 * pending, applying them when MIGRATIONS_RUN_ON_BOOT (default: on the embedded database only). On failure
 * the app refuses to start with a message that says what to do.
 */
@Injectable()
export class SchemaGuard implements OnModuleInit {
  private readonly logger = new Logger(SchemaGuard.name);
  private checked?: Promise<void>;

  constructor(
    private readonly orm: MikroORM,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): Promise<void> {
    return this.ensureSchemaReady();
  }

  /**
   * Resolves once the schema is at the latest migration. Providers whose own start-up checks read the
   * schema await this, because Nest does not order onModuleInit hooks across modules the way we need.
   */
  ensureSchemaReady(): Promise<void> {
    this.checked ??= this.checkUnderLock();
    return this.checked;
  }

  private async checkUnderLock(): Promise<void> {
    if (!this.config.DATABASE_URL) return this.check();
    // Several instances may boot at once against one PostgreSQL: the first migrates, the others wait and
    // then find nothing pending. The lock is held on a connection of its own, outside the ORM's pool.
    const lockClient = new Client({ connectionString: this.config.DATABASE_URL, connectionTimeoutMillis: this.config.DB_ACQUIRE_TIMEOUT_MS });
    // A connection the server ends would otherwise throw from an 'error' event; the statement in flight fails by itself.
    lockClient.on('error', (error) => this.logger.warn(`Migration lock connection lost: ${error.message}`));
    try {
      await lockClient.connect();
      await lockClient.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      await this.check();
    } finally {
      await lockClient.end().catch(() => undefined);
    }
  }

  private async check(): Promise<void> {
    await this.checkPgvectorAvailable();
    const migrator = this.orm.migrator as Migrator;
    const pending = await migrator.getPending();
    if (pending.length === 0) return;
    const names = pending.map((m) => m.name).join(', ');
    if (!this.config.runMigrationsOnBoot) {
      throw new BootCheckError(
        `The database schema "${this.config.DB_SCHEMA}" is not at the latest migration; pending: ${names}. ` +
          `Run \`npm run migration:up\` with the same DATABASE_URL, or start with MIGRATIONS_RUN_ON_BOOT=true.`,
      );
    }
    this.logger.log(`Applying ${pending.length} pending migration(s): ${names}`);
    if (this.config.usesEmbeddedDatabase) return void (await migrator.up());
    // Exempt from DB_STATEMENT_TIMEOUT_MS (an API bound): a migration rebuilds whatever it must, however large.
    // All of them in one transaction, as the migrator does by default (allOrNothing).
    const em = this.orm.em.fork() as SqlEntityManager;
    await em.transactional(async (tx) => {
      await withStatementTimeout(tx, 0, true);
      await migrator.up({ transaction: tx.getTransactionContext<Transaction<unknown>>() });
    });
  }

  private async checkPgvectorAvailable(): Promise<void> {
    const em = this.orm.em as SqlEntityManager;
    const rows = await em.execute<{ name: string }[]>(`select name from pg_available_extensions where name = 'vector'`);
    if (rows.length === 0) {
      throw new BootCheckError(
        'The pgvector extension is not installed on this PostgreSQL server. Install it (Debian/Ubuntu: ' +
          'postgresql-<version>-pgvector, or build it from source: https://github.com/pgvector/pgvector#installation), ' +
          'or use a server image that ships it such as pgvector/pgvector:0.8.2-pg17; then start again.',
      );
    }
  }
}
