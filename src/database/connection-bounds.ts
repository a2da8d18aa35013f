import type { Pool, PoolClient } from 'pg';
import type { SqlEntityManager } from './sql';

/**
 * Time the client gives the server, beyond the statement's own bound, to cancel the statement itself
 * (statement_timeout: a clean error, the connection stays usable) before it gives up on the connection.
 */
export const STALL_GRACE_MS = 1000;

/** `set local statement_timeout = <ms>` as `withStatementTimeout` sends it; the client-side bound follows it. */
const SET_LOCAL_TIMEOUT = /^\s*set\s+local\s+statement_timeout\s*=\s*(\d+)\s*$/i;

export const STALLED_CODE = 'DATABASE_STALLED';

/** PostgreSQL did not answer a statement at all within its bound (a stalled server or network): the connection is dropped. */
export class DatabaseStalledError extends Error {
  readonly code = STALLED_CODE;

  constructor(waitedMs: number) {
    super(`PostgreSQL did not answer within ${waitedMs} ms; the connection was dropped`);
    this.name = 'DatabaseStalledError';
  }
}

/**
 * Gives every statement on the pool's connections a client-side bound: statement_timeout + STALL_GRACE_MS.
 * statement_timeout alone cannot bound a server that does not run at all (SIGSTOP, a frozen VM, a dead
 * network path with the kernel still acking): the statement then never ends and neither does the request. A
 * statement not answered in time rejects with DatabaseStalledError and its connection is destroyed, since its
 * state is unknown (the statement may still run once the server resumes); the pool then drops it.
 *
 * A transaction that sets its own bound (withStatementTimeout) gets that bound here too, until the
 * connection goes back to the pool. Only text statements are bounded (what Kysely sends); cursors and
 * callback-style calls pass through untouched.
 */
export function boundStatements(pool: Pool, statementTimeoutMs: number): void {
  const ownBounds = new WeakMap<PoolClient, number>();
  pool.on('release', (_error: Error | undefined, client: PoolClient) => ownBounds.delete(client));
  pool.on('connect', (client: PoolClient) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as { query: unknown }).query = (...args: unknown[]): unknown => {
      const [text] = args;
      if (typeof text !== 'string' || typeof args.at(-1) === 'function') return query(...args);
      const own = SET_LOCAL_TIMEOUT.exec(text);
      if (own) ownBounds.set(client, Number(own[1]));
      const bound = ownBounds.get(client) ?? statementTimeoutMs;
      const result = query(...args) as Promise<unknown>;
      if (bound === 0) return result;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new DatabaseStalledError(bound + STALL_GRACE_MS));
          (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
        }, bound + STALL_GRACE_MS);
        result.then(
          (value) => {
            clearTimeout(timer);
            resolve(value);
          },
          (error: Error) => {
            clearTimeout(timer);
            reject(error);
          },
        );
      });
    };
  });
}

/**
 * Gives the rest of `tx` a statement bound of its own (`ms`, 0 for none) instead of DB_STATEMENT_TIMEOUT_MS, for
 * work that is known to take long (a long text's transaction, deleting a large version's chunks). Server and
 * client-side bound alike (see boundStatements). No-op on the embedded database, which has neither.
 */
export async function withStatementTimeout(tx: SqlEntityManager, ms: number, onPostgres: boolean): Promise<void> {
  if (onPostgres) await tx.execute(`set local statement_timeout = ${Math.trunc(ms)}`);
}
