import { MikroORM } from '@mikro-orm/core';
import type { Migrator } from '@mikro-orm/migrations';
import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { AppConfig } from '../config/app-config';
import { SqlEntityManager } from '../database/sql';
import { Embedder } from '../embedding/embedder';

class CheckTimeout extends Error {}

/** Rejects when `work` takes longer than `ms`, so a hung dependency makes readiness fail instead of hang. */
async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckTimeout(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 300);

/**
 * The readiness checks, one named indicator each. They run at every /health/ready call (nothing cached), so a
 * dependency that comes back is seen at the next probe without a restart.
 */
@Injectable()
export class ReadinessIndicators {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly orm: MikroORM,
    private readonly em: SqlEntityManager,
    private readonly embedderProvider: Embedder,
    private readonly config: AppConfig,
  ) {}

  /** The database answers a query. */
  database(): Promise<HealthIndicatorResult> {
    return this.run('database', async () => {
      await this.em.fork().execute('select 1');
      return {};
    });
  }

  /** The vector extension is installed in the database (its version shown: below 0.8.2 see docs/operations.md). */
  pgvector(): Promise<HealthIndicatorResult> {
    return this.run('pgvector', async () => {
      const rows = await this.em.fork().execute<{ version: string }[]>(`select extversion as version from pg_extension where extname = 'vector'`);
      if (rows.length === 0) throw new Error('the vector extension is not installed in this database');
      return { version: rows[0].version };
    });
  }

  /** No migration is pending (a deploy that skipped `migration:up` is not ready). */
  migrations(): Promise<HealthIndicatorResult> {
    return this.run('migrations', async () => {
      const pending = await (this.orm.migrator as Migrator).getPending();
      if (pending.length > 0) throw new Error(`pending: ${pending.map((m) => m.name).join(', ')}`);
      return {};
    });
  }

  /** The embedder embeds one word and returns a vector of the configured dimension. */
  embedder(): Promise<HealthIndicatorResult> {
    return this.run('embedder', async () => {
      const [vector] = await this.embedderProvider.embed(['health']);
      if (vector?.length !== this.embedderProvider.dimension) {
        throw new Error(`returned a vector of ${vector?.length ?? 0} dimensions, expected ${this.embedderProvider.dimension}`);
      }
      return { provider: this.embedderProvider.name, dimension: this.embedderProvider.dimension };
    });
  }

  private async run(key: string, check: () => Promise<Record<string, unknown>>): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    try {
      return indicator.up(await withTimeout(check(), this.config.HEALTH_CHECK_TIMEOUT_MS));
    } catch (error) {
      return indicator.down({ message: messageOf(error) });
    }
  }
}
