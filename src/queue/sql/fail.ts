import { executeBound, SqlEntityManager } from '../../database/sql';
import { endAttempts } from './attempts';
import { jobsTable } from './jobs';

/** Error messages are stored up to this many characters: a provider's error page must not bloat the row. */
const ERROR_MESSAGE_CHARS = 4000;

/** running → accepted again, due at `nextAttemptAt`; keeps the error so status shows why it is retrying. */
export function retryJob(em: SqlEntityManager, id: string, workerId: string, errorMessage: string, nextAttemptAt: Date): Promise<boolean> {
  return leaveRunning(em, id, workerId, { status: 'accepted', errorMessage, nextAttemptAt });
}

/** running → failed, for good. */
export function failJob(em: SqlEntityManager, id: string, workerId: string, errorMessage: string): Promise<boolean> {
  return leaveRunning(em, id, workerId, { status: 'failed', errorMessage, nextAttemptAt: null });
}

/** Guarded by status and lock owner: a worker that lost its lease cannot overwrite another worker's result. */
async function leaveRunning(
  em: SqlEntityManager,
  id: string,
  workerId: string,
  to: { status: 'accepted' | 'failed'; errorMessage: string; nextAttemptAt: Date | null },
): Promise<boolean> {
  const rows = await executeBound(
    em,
    `with moved as (
       update ${jobsTable(em)} set status = $1, error_message = $2, next_attempt_at = coalesce($3::timestamptz, next_attempt_at),
              completed_at = case when $1 = 'failed' then now() end, locked_at = null, locked_by = null, updated_at = now()
        where id = $4 and status = 'running' and locked_by = $5 returning id),
     ${endAttempts(em, 'moved', to.status === 'failed' ? 'failed' : 'retry', '$2')}
     select id from moved`,
    [to.status, to.errorMessage.slice(0, ERROR_MESSAGE_CHARS), to.nextAttemptAt, id, workerId],
  );
  return rows.length === 1;
}
