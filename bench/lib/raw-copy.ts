import type { Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CHUNK_COPY_COLUMNS, ChunkRow, chunkCopyLine } from './rows';

/**
 * "The limit": the same chunk rows loaded by raw `COPY … FROM STDIN` into a table identical to the service's
 * (created with LIKE … INCLUDING ALL, so the same columns, defaults and indexes, the HNSW index included).
 */
export class RawCopy {
  constructor(
    private readonly pool: Pool,
    private readonly serviceTable: string,
    readonly table: string,
  ) {}

  /** Creates the table; with `withVectorIndex` false the HNSW index is left out (to be built after the load). */
  async create(withVectorIndex: boolean): Promise<void> {
    await this.pool.query(`drop table if exists ${this.table}`);
    await this.pool.query(`create table ${this.table} (like ${this.serviceTable} including all)`);
    if (!withVectorIndex) {
      for (const name of await this.hnswIndexNames()) await this.pool.query(`drop index ${name}`);
    }
  }

  async load(rows: ChunkRow[]): Promise<void> {
    const client = await this.pool.connect();
    try {
      const sink = client.query(copyFrom(`copy ${this.table} (${CHUNK_COPY_COLUMNS}) from stdin`));
      await pipeline(Readable.from(rows.map(chunkCopyLine)), sink);
    } finally {
      client.release();
    }
  }

  /** Builds the HNSW index the service's table has, with the same definition. */
  async createVectorIndex(): Promise<void> {
    const { rows } = await this.pool.query<{ indexdef: string }>(
      `select indexdef from pg_indexes where schemaname || '.' || tablename = replace(replace($1, '"', ''), ' ', '') and indexdef like '%hnsw%'`,
      [this.serviceTable],
    );
    const [schema, name] = this.table.split('.');
    for (const { indexdef } of rows) {
      const definition = indexdef.replace(/^CREATE INDEX \S+ ON \S+/, `CREATE INDEX ON ${schema}.${name}`);
      await this.pool.query(definition);
    }
  }

  private async hnswIndexNames(): Promise<string[]> {
    const [schema, name] = this.table.split('.');
    const { rows } = await this.pool.query<{ indexname: string }>(
      `select indexname from pg_indexes where schemaname = $1 and tablename = $2 and indexdef like '%hnsw%'`,
      [schema, name],
    );
    return rows.map((r) => `${schema}.${r.indexname}`);
  }
}
