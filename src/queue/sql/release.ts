import { executeBound, SqlEntityManager } from '../../database/sql';
import { dropAttempts, endAttempts } from './attempts';
import { jobsTable } from './jobs';

/**
 * running → accepted, due now, without counting the attempt, for what `workerId` holds (graceful shutdown:
 * the work was not at fault) or, with no worker given, for every running row (the embedded database, which
 * only one process can open: whatever is running there was left by a process that died).
 */
export async function releaseJobs(em: SqlEntityManager, workerId?: string): Promise<number> {
  const rows = await executeBound(
    em,
    `with released as (
       update ${jobsTable(em)} set status = 'accepted', attempts = greatest(attempts - 1, 0), locked_at = null,
              locked_by = null, next_attempt_at = now(), updated_at = now()
        where status = 'running' and ($1::text is null or locked_by = $1) returning id),
     ${dropAttempts(em, 'released')}
     select id from released`,
    [workerId ?? null],
  );
  return rows.length;
}

/**
 * running → accepted, due now, for what `workerId` left running without an outcome (a tick that failed
 * because the database went away mid-way); the attempt stays counted, so a request that keeps breaking its
 * connection still ends failed. Rows of dead workers are reclaimed by the claim itself once their lease expires.
 */
export async function reclaimJobs(em: SqlEntityManager, workerId: string): Promise<number> {
  const rows = await executeBound(
    em,
    `with reclaimed as (
       update ${jobsTable(em)} set status = 'accepted', locked_at = null, locked_by = null, next_attempt_at = now(), updated_at = now()
        where status = 'running' and locked_by = $1 returning id),
     ${endAttempts(em, 'reclaimed', 'interrupted')}
     select id from reclaimed`,
    [workerId],
  );
  return rows.length;
}
