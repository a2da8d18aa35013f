import type { EntityManager } from '@mikro-orm/sql';
import { CompiledQuery, type Kysely } from 'kysely';

/** Injection token and type for the SQL-capable EntityManager (raw `execute`, query builder). */
export { EntityManager as SqlEntityManager } from '@mikro-orm/sql';

/** Schema-qualified, quoted name of one of the service's tables (the schema comes from DB_SCHEMA). */
export function tableName(em: EntityManager, table: string): string {
  return `"${em.config.get('schema')}"."${table}"`;
}

/**
 * Runs `sql` with `$1…$n` parameters bound by the driver (not inlined into the text, as `em.execute` does),
 * in the EntityManager's transaction when it has one. For statements whose parameters are large (vectors,
 * whole arrays for `unnest`): the server parses a short statement and the values travel once.
 */
export async function executeBound<R>(em: EntityManager, sql: string, params: readonly unknown[]): Promise<R[]> {
  const executor = em.getTransactionContext<Kysely<unknown>>() ?? em.getConnection().getClient();
  const result = await executor.executeQuery<R>(CompiledQuery.raw(sql, [...params]));
  return result.rows;
}
