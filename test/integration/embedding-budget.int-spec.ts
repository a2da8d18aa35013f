import { AdaptiveLimit } from '../../src/embedding/adaptive-limit';
import { EmbeddingBudget } from '../../src/embedding/embedding-budget';
import { tableName } from '../../src/database/sql';
import { describeDatabase } from '../support/test-database';
import { useMigratedDatabase } from '../support/use-test-app';

/** Two processes' budgets on one database, synced by hand (the service syncs each second). */
describeDatabase('EmbeddingBudget: one provider budget shared by the processes on a database', () => {
  const migrated = useMigratedDatabase();

  const processWith = (concurrency: number) => {
    const config = migrated.database.config({
      EMBEDDING_PROVIDER: 'openai',
      EMBEDDING_BASE_URL: 'http://127.0.0.1:1',
      EMBEDDING_MODEL: 'shared-model',
      EMBEDDING_CONCURRENCY: String(concurrency),
    });
    const limit = new AdaptiveLimit(concurrency);
    return { limit, budget: new EmbeddingBudget(limit, config, migrated.em()) };
  };
  /** A process sends a request (and gets its answer): it uses the provider now. */
  const use = async ({ limit }: { limit: AdaptiveLimit }, outcome: 'ok' | 'throttled' = 'ok') => {
    await limit.acquire();
    limit.release(outcome);
  };

  it('should split the budget among the processes using it, shrink it on 429s and grow it back while they want more', async () => {
    const [a, b] = [processWith(4), processWith(4)];
    await use(a);
    await a.budget.sync();
    expect(a.limit.shareOf).toBe(4); // alone
    await use(b);
    await b.budget.sync();
    await use(a);
    await a.budget.sync();
    expect([a.limit.shareOf, b.limit.shareOf]).toEqual([2, 2]);

    // A 429 at one process lowers the budget for both.
    await use(a, 'throttled');
    await a.budget.sync();
    await use(b);
    await b.budget.sync();
    expect([a.limit.shareOf, b.limit.shareOf]).toEqual([1, 1]); // 3 between 2

    // A process that had to wait, with no 429, asks for one more: back to 4, never beyond EMBEDDING_CONCURRENCY.
    for (let round = 0; round < 3; round++) {
      await Promise.all([a.limit.acquire(), a.limit.acquire(), a.limit.acquire()].map((slot) => slot.then(() => a.limit.release('ok'))));
      await a.budget.sync();
    }
    await use(b);
    await b.budget.sync();
    expect([a.limit.shareOf, b.limit.shareOf]).toEqual([2, 2]);

    // A process that stopped using the provider leaves its share to the others.
    await b.budget.sync();
    await use(a);
    await a.budget.sync();
    expect(a.limit.shareOf).toBe(4);

    // Idle again: nothing to tell or learn, so no write (a worker that does not embed costs the database nothing).
    const updatedAt = async () =>
      (await migrated.em().execute<{ at: string }[]>(`select updated_at::text as at from ${tableName(migrated.em(), 'embedding_budgets')}`))[0].at;
    const before = await updatedAt();
    await b.budget.sync();
    expect(await updatedAt()).toBe(before);
  });
});
