import { executeBound, SqlEntityManager } from '../../database/sql';
import { endAttempts } from './attempts';
import { jobsTable } from './jobs';

/** A request's result: how many chunks it stored. */
export interface Completion {
  id: string;
  chunkCount: number;
}

/**
 * running → completed for each row `workerId` still holds, in the caller's transaction (the one that stores
 * the chunks, so chunks and completion commit together), in one statement. Guarded by the lock owner: a
 * worker that lost its lease completes nothing. Returns the ids completed with their accepted → completed seconds.
 */
export async function completeJobs(tx: SqlEntityManager, workerId: string, completions: readonly Completion[]): Promise<Map<string, number>> {
  const rows = await executeBound<{ id: string; seconds: string | number }>(
    tx,
    `with done as (
       update ${jobsTable(tx)} as r set status = 'completed', chunk_count = c.chunk_count, error_message = null, completed_at = now(),
              locked_at = null, locked_by = null, updated_at = now()
         from unnest($1::uuid[], $2::int[]) as c (id, chunk_count)
        where r.id = c.id and r.status = 'running' and r.locked_by = $3
        returning r.id, extract(epoch from now() - r.created_at) as seconds),
     ${endAttempts(tx, 'done', 'completed')}
     select id, seconds from done`,
    [completions.map((c) => c.id), completions.map((c) => c.chunkCount), workerId],
  );
  return new Map(rows.map((r) => [r.id, Number(r.seconds)]));
}
