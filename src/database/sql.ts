import type { EntityManager } from '@mikro-orm/sql';

/** Injection token and type for the SQL-capable EntityManager (raw `execute`, query builder). */
export { EntityManager as SqlEntityManager } from '@mikro-orm/sql';

/** Schema-qualified, quoted name of one of the service's tables (the schema comes from DB_SCHEMA). */
export function tableName(em: EntityManager, table: string): string {
  return `"${em.config.get('schema')}"."${table}"`;
}
