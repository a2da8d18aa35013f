import { executeBound, SqlEntityManager } from '../../database/sql';
import { endAttempts } from './attempts';
import { jobsTable, REVOKED_CLAIM } from './jobs';

/**
 * Takes running rows (one, or a collection's) away from their workers, which notice at their next window
 * (isHeldBy) and roll back. The lock time stays: should the delete or cancel that follows not happen, the row
 * is reclaimed once its lease expires, as a dead worker's would be.
 */
export async function revokeClaims(em: SqlEntityManager, target: { id: string } | { collection: string }): Promise<void> {
  const [column, value] = 'id' in target ? ['id', target.id] : ['collection', target.collection];
  await executeBound(em, `update ${jobsTable(em)} set locked_by = $1, updated_at = now() where status = 'running' and ${column} = $2`, [
    REVOKED_CLAIM,
    value,
  ]);
}

/** accepted or running → cancelled (a running one's claim was revoked first); returns whether it moved. */
export async function cancelJob(em: SqlEntityManager, id: string): Promise<boolean> {
  const rows = await executeBound(
    em,
    `with moved as (
       update ${jobsTable(em)} set status = 'cancelled', locked_at = null, locked_by = null, completed_at = now(), updated_at = now()
        where id = $1 and status in ('accepted', 'running') returning id),
     ${endAttempts(em, 'moved', 'cancelled')}
     select id from moved`,
    [id],
  );
  return rows.length === 1;
}

/**
 * failed → accepted, due now, attempts from 0 (the last error stays until the next attempt); one by id, or
 * those of the given collections (null: all) whose error contains `errorContains`. Returns the ids moved.
 */
export async function requeueFailed(
  em: SqlEntityManager,
  target: { id: string } | { collections: readonly string[] | null; errorContains?: string },
): Promise<string[]> {
  const byId = 'id' in target;
  const rows = await executeBound<{ id: string }>(
    em,
    `update ${jobsTable(em)} set status = 'accepted', attempts = 0, next_attempt_at = now(), completed_at = null, updated_at = now()
      where status = 'failed'
        and ($1::uuid is null or id = $1)
        and ($2::text[] is null or collection = any($2::text[]))
        and ($3::text is null or strpos(error_message, $3) > 0)
      returning id`,
    byId ? [target.id, null, null] : [null, target.collections, target.errorContains ?? null],
  );
  return rows.map((r) => r.id);
}
