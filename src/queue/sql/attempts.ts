import { executeBound, SqlEntityManager, tableName } from '../../database/sql';

/** How an attempt ended (ingestion_attempts.outcome). */
export type AttemptEnd = 'completed' | 'retry' | 'failed' | 'superseded' | 'cancelled' | 'interrupted' | 'lease-expired';

const attemptsTable = (em: SqlEntityManager) => tableName(em, 'ingestion_attempts');

/**
 * A CTE for the statement that moves rows out of running: ends their open attempt, in the same statement, so
 * the history can never disagree with the row. `moved` names the CTE holding the moved rows' ids.
 */
export function endAttempts(em: SqlEntityManager, moved: string, outcome: AttemptEnd, errorSql = 'null'): string {
  return `ended as (update ${attemptsTable(em)} as a set ended_at = now(), outcome = '${outcome}', error = ${errorSql}
                      from ${moved} as m where a.ingestion_id = m.id and a.ended_at is null)`;
}

/** The CTEs for a claim: a reclaimed row's open attempt ended (its lease expired), and a new one started. */
export function startAttempts(em: SqlEntityManager, claimed: string, workerParam: string): string {
  return `${endAttempts(em, claimed, 'lease-expired')},
          started as (insert into ${attemptsTable(em)} (ingestion_id, attempt, worker) select id, attempts, ${workerParam} from ${claimed})`;
}

/** A CTE that forgets the open attempt of released rows: a release does not count the attempt. */
export function dropAttempts(em: SqlEntityManager, released: string): string {
  return `dropped as (delete from ${attemptsTable(em)} as a using ${released} as m where a.ingestion_id = m.id and a.ended_at is null)`;
}

export interface AttemptRow {
  ingestion_id: string;
  attempt: number;
  worker: string;
  started_at: Date | string;
  ended_at: Date | string | null;
  outcome: AttemptEnd | null;
  error: string | null;
}

/** Every attempt of the ingestions, oldest first: one query for a whole page. */
export function listAttempts(em: SqlEntityManager, ingestionIds: readonly string[]): Promise<AttemptRow[]> {
  return executeBound<AttemptRow>(
    em,
    `select ingestion_id, attempt, worker, started_at, ended_at, outcome, error from ${attemptsTable(em)}
      where ingestion_id = any($1::uuid[]) order by id`,
    [ingestionIds],
  );
}
