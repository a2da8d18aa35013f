import { executeBound, SqlEntityManager } from '../../database/sql';
import { jobsTable } from './jobs';

/**
 * Renews the lock on the rows `workerId` still holds, so a slow but live worker is never taken for a dead
 * one (the poller beats three times per lease). Returns how many it still holds.
 */
export async function heartbeat(em: SqlEntityManager, workerId: string, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = await executeBound(
    em,
    `update ${jobsTable(em)} set locked_at = now() where status = 'running' and locked_by = $1 and id = any($2::uuid[]) returning id`,
    [workerId, ids],
  );
  return rows.length;
}

/** Whether `workerId` still holds the row, read in `tx` (a delete or cancel revokes claims; see revoke.ts). */
export async function isHeldBy(tx: SqlEntityManager, id: string, workerId: string): Promise<boolean> {
  const rows = await executeBound(tx, `select 1 from ${jobsTable(tx)} where id = $1 and status = 'running' and locked_by = $2`, [id, workerId]);
  return rows.length === 1;
}
