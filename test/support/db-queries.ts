import { RequestContext } from '@mikro-orm/core';
import type { INestApplicationContext } from '@nestjs/common';
import { SqlEntityManager, tableName } from '../../src/database/sql';

/** Direct SQL against the app's own database, for assertions the API does not expose. */
export class DbQueries {
  private readonly em: SqlEntityManager;

  constructor(app: INestApplicationContext) {
    this.em = app.get(SqlEntityManager);
  }

  async count(table: 'ingestion_requests' | 'chunk_vectors', where = 'true', params: unknown[] = []): Promise<number> {
    const [row] = await this.em.execute<{ n: string | number }[]>(`select count(*) as n from ${tableName(this.em, table)} where ${where}`, params);
    return Number(row.n);
  }

  async chunks(ingestionId: string): Promise<{ chunk_id: string; chunk_index: number; chunk_text: string }[]> {
    return this.em.execute(
      `select chunk_id, chunk_index, chunk_text from ${tableName(this.em, 'chunk_vectors')} where ingestion_id = ? order by chunk_index`,
      [ingestionId],
    );
  }

  /** The stored vectors of an ingestion's chunks, in chunk order. */
  async embeddings(ingestionId: string): Promise<number[][]> {
    const rows = await this.em.execute<{ embedding: string }[]>(
      `select embedding::text as embedding from ${tableName(this.em, 'chunk_vectors')} where ingestion_id = ? order by chunk_index`,
      [ingestionId],
    );
    return rows.map((r) => JSON.parse(r.embedding) as number[]);
  }

  /** The HNSW segment indexes (valid or not) and the table each is on (a partition of chunk_vectors), by name. */
  async segmentIndexes(): Promise<{ name: string; valid: boolean; table: string }[]> {
    return this.em.execute(
      `select c.relname as name, i.indisvalid as valid, t.relname as "table"
         from pg_index i join pg_class c on c.oid = i.indexrelid join pg_class t on t.oid = i.indrelid
        where c.relnamespace = ?::regnamespace and c.relname like 'chunk_vectors_hnsw_%' order by c.relname`,
      [`"${this.em.config.get('schema')}"`],
    );
  }

  /** Moves a request's lock into the past, as if its worker had died long ago. */
  async expireLock(id: string): Promise<void> {
    await this.em.execute(`update ${tableName(this.em, 'ingestion_requests')} set locked_at = now() - interval '1 day' where id = ?`, [id]);
  }

  /** Makes a request due now (skips its retry backoff). */
  async makeDue(id: string): Promise<void> {
    await this.em.execute(`update ${tableName(this.em, 'ingestion_requests')} set next_attempt_at = now() where id = ?`, [id]);
  }

  /** Runs `fn` in its own ORM context, as a request or a poller tick does. */
  inContext<T>(fn: () => Promise<T>): Promise<T> {
    return RequestContext.create(this.em, fn);
  }
}
