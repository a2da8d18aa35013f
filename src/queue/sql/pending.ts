import { executeBound, SqlEntityManager } from '../../database/sql';
import { IS_DUE, jobsTable } from './jobs';

/** Whether any row is running or due: more chunks are on their way (the indexer need not wait for quiet). */
export async function hasPendingWork(em: SqlEntityManager): Promise<boolean> {
  const [row] = await executeBound<{ pending: boolean }>(
    em,
    `select exists (select 1 from ${jobsTable(em)} where status = 'running' or ${IS_DUE}) as pending`,
    [],
  );
  return row.pending;
}

/** Rows per queued status (accepted, whether due or backing off, and running). */
export async function countQueued(em: SqlEntityManager, collection?: string): Promise<{ accepted: number; running: number }> {
  const [row] = await executeBound<{ accepted: string | number; running: string | number }>(
    em,
    `select count(*) filter (where status = 'accepted') as accepted, count(*) filter (where status = 'running') as running
       from ${jobsTable(em)} where status in ('accepted', 'running') and ($1::text is null or collection = $1)`,
    [collection ?? null],
  );
  return { accepted: Number(row.accepted), running: Number(row.running) };
}
