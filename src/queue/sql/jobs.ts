import { SqlEntityManager, tableName } from '../../database/sql';

/** The job table: one row per ingestion request (see ingestion-request.entity.ts). */
export const jobsTable = (em: SqlEntityManager) => tableName(em, 'ingestion_requests');

/**
 * "Due": accepted and its next attempt has come. The one definition — the claim, the indexer's "is more work
 * on its way" and the metrics all use it. The partial index ingestion_requests_due_idx covers the queued
 * statuses, so these reads stay cheap however many finished rows accumulate.
 */
export const IS_DUE = `(status = 'accepted' and next_attempt_at <= now())`;

/** Running, but its lock is older than the lease (`$lease` seconds): its worker died or lost the database. */
export const leaseExpired = (leaseParam: string) => `(status = 'running' and locked_at < now() - make_interval(secs => ${leaseParam}))`;

/** The owner of a revoked claim: no worker has this id, so the claim's worker can no longer complete. */
export const REVOKED_CLAIM = 'revoked';
