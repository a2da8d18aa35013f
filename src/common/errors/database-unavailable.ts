import { ConnectionException } from '@mikro-orm/core';
import { DatabaseStalledError, STALLED_CODE } from '../../database/connection-bounds';

/** Socket-level failures of the connection to PostgreSQL. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/**
 * SQLSTATEs meaning "the server is not there right now": class 08 (connection exception), 57P01–57P03
 * (terminated, shutting down, crash recovery, not accepting connections yet), 53300 (too many connections),
 * 57014 (a statement cancelled by statement_timeout: the database is too slow to answer in time).
 */
const SERVER_GONE_STATES = /^(08...|57P0[123]|53300|57014)$/;
/**
 * What node-postgres says when the server closes a connection under it, when a connection cannot be had in
 * time (pg-pool's acquire timeout, a connect timeout), or when a connection is used after it broke (these
 * errors carry no code).
 */
const CONNECTION_LOST_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|is not queryable|Connection is closed/i;

/**
 * Whether an error means the database is unreachable (a transient outage, answered with 503 and retried),
 * as opposed to a bug or a bad statement. Looks through wrapped causes: the ORM wraps driver errors.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    if (current instanceof ConnectionException || current instanceof DatabaseStalledError) return true;
    const code = (current as { code?: unknown }).code;
    // The ORM's DriverException copies the driver error's properties, not its class: DATABASE_STALLED by code.
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || SERVER_GONE_STATES.test(code) || code === STALLED_CODE)) return true;
    if (CONNECTION_LOST_MESSAGES.test(current.message)) return true;
    const nested = (current as { errors?: unknown }).errors; // AggregateError from a dual-stack connect
    if (Array.isArray(nested) && nested.some((e) => isDatabaseUnavailable(e))) return true;
  }
  return false;
}
