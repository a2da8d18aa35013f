import { EntityManager } from '@mikro-orm/core';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { FailureStreak } from '../database/failure-streak';
import { executeBound, SqlEntityManager, tableName } from '../database/sql';
import { AdaptiveLimit, type Usage } from './adaptive-limit';

/** How often a process tells the others what it learned and takes its share: about once per second. */
const SYNC_INTERVAL_MS = 1000;
/** A process not seen for this long no longer takes a share. */
const USER_TTL_SECONDS = 5;

/** What one sync reports: the budget and how many processes share it now. */
interface Budget {
  concurrency: number;
  users: number;
}

/**
 * Shares the embedding provider's concurrency budget (EMBEDDING_CONCURRENCY at most) among the processes on
 * one database: each second each process that used the provider reports its 429s (the budget goes down by
 * one) or, had it no 429 while wanting more, asks for one more (up to EMBEDDING_CONCURRENCY); and takes the
 * budget divided by the processes using it as its share (AdaptiveLimit keeps within that). Nothing to share on
 * the embedded database (one process) or with the built-in embedder (no provider).
 */
@Injectable()
export class EmbeddingBudget implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(EmbeddingBudget.name);
  private readonly failures = new FailureStreak(this.logger, 'Embedding budget sync');
  private readonly worker = randomUUID();
  private timer?: NodeJS.Timeout;
  private syncing?: Promise<void>;
  /** Whether the provider was used since the sync before the last: an idle process withdraws once, then rests. */
  private usedBefore = true;

  constructor(
    private readonly limit: AdaptiveLimit,
    private readonly config: AppConfig,
    private readonly em: EntityManager,
  ) {}

  /** The budget's key: one per provider URL and model. */
  get provider(): string {
    return `${this.config.EMBEDDING_PROVIDER}:${this.config.EMBEDDING_BASE_URL ?? ''}:${this.config.EMBEDDING_MODEL ?? ''}`;
  }

  onApplicationBootstrap(): void {
    if (this.config.EMBEDDING_PROVIDER === 'hashing' || this.config.usesEmbeddedDatabase) return;
    this.timer = setInterval(() => void this.sync(), SYNC_INTERVAL_MS);
  }

  /** Before the ORM closes: no sync is left half-way. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.syncing;
  }

  /**
   * One exchange with the database; a sync still running makes this a no-op. Idle since the last exchange too,
   * a process has withdrawn its presence already and has no share to use: it skips the database.
   */
  sync(): Promise<void> {
    const usage = this.limit.takeUsage();
    const idle = !usage.used && !this.usedBefore;
    this.usedBefore = usage.used;
    if (idle) return this.syncing ?? Promise.resolve();
    this.syncing ??= this.exchange(usage)
      .then(({ concurrency, users }) => {
        this.limit.setShare(Math.floor(concurrency / Math.max(1, users)));
        this.failures.succeeded();
      })
      // Until the database answers again, the last share holds: a process never exceeds EMBEDDING_CONCURRENCY.
      .catch((error: unknown) => void this.failures.failed(error))
      .finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  private async exchange({ used, wanted, throttles }: Usage): Promise<Budget> {
    const em = this.em.fork() as unknown as SqlEntityManager;
    const budgets = tableName(em, 'embedding_budgets');
    const users = tableName(em, 'embedding_budget_users');
    // One statement: the budget moved by what this process saw, its own presence, and the others still present.
    // The CTEs share one snapshot, so the count leaves this process out and adds it back: counted for its own
    // share even while idle (it may start any moment), but present to the others only while it uses the provider.
    const [row] = await executeBound<Budget>(
      em,
      `with budget as (
         insert into ${budgets} as b (provider, concurrency) values ($1, $2)
         on conflict (provider) do update set concurrency = case
             when $3::int > 0 then greatest(1, least(b.concurrency, $2) - 1)
             when $4::boolean then least($2, b.concurrency + 1)
             else least($2, b.concurrency) end,
           updated_at = now()
         returning concurrency),
       seen as (
         insert into ${users} (provider, worker) select $1, $5 where $6::boolean
         on conflict (provider, worker) do update set seen_at = now()),
       gone as (delete from ${users} where provider = $1 and (seen_at < now() - make_interval(secs => $7) or (worker = $5 and not $6::boolean)))
       select (select concurrency from budget) as concurrency,
              (select count(*)::int from ${users}
                where provider = $1 and worker <> $5 and seen_at >= now() - make_interval(secs => $7)) + 1 as users`,
      [this.provider, this.config.EMBEDDING_CONCURRENCY, throttles, wanted && throttles === 0, this.worker, used, USER_TTL_SECONDS],
    );
    return { concurrency: Number(row.concurrency), users: Number(row.users) };
  }
}
