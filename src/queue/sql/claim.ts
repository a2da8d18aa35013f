import type { ChunkingOptions } from '../../chunking/chunking-options';
import { executeBound, SqlEntityManager } from '../../database/sql';
import { startAttempts } from './attempts';
import { IS_DUE, jobsTable, leaseExpired } from './jobs';

export interface ClaimedRow {
  id: string;
  text: string | null;
  text_length: number;
  chunking: ChunkingOptions;
  collection: string;
  source_metadata: Record<string, unknown>;
  page_starts: number[] | null;
  attempts: number;
  max_attempts: number;
  document_id: string | null;
  document_version: number | null;
}

/**
 * accepted (due) → running for up to `limit` rows, and takes back running rows whose lease expired (their
 * worker died): one UPDATE over a `FOR UPDATE SKIP LOCKED` subquery, so several workers claim concurrently
 * without waiting on, or double-claiming, each other's rows. Counts the attempt. The text travels with the
 * claim only up to `textLimit` characters (longer ones are read in parts, see long-text.ts). Starts the
 * attempt's history row (and ends a reclaimed row's open one) in the same statement; clears the last progress.
 */
export function claimJobs(em: SqlEntityManager, workerId: string, limit: number, leaseMs: number, textLimit: number): Promise<ClaimedRow[]> {
  const table = jobsTable(em);
  return executeBound<ClaimedRow>(
    em,
    `with claimed as (
       update ${table} set status = 'running', attempts = attempts + 1, locked_at = now(), locked_by = $1,
              started_at = coalesce(started_at, now()), updated_at = now(), progress_stage = null, chunks_done = null, chunks_total = null
        where id in (
          select id from ${table}
           where ${IS_DUE} or ${leaseExpired('$2::float8')}
           order by next_attempt_at
           limit $3
           for update skip locked)
        returning id, case when text_length <= $4 then text end as text, text_length, chunking, collection, source_metadata,
                  page_starts, attempts, max_attempts, document_id, document_version),
     ${startAttempts(em, 'claimed', '$1')}
     select * from claimed`,
    [workerId, leaseMs / 1000, limit, textLimit],
  );
}
