import type { Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HNSW_INDEX_METHOD } from '../../src/vector-store/index-segments';
import { CHUNK_COPY_COLUMNS, ChunkRow, chunkCopyLine } from './rows';

/**
 * "The limit": the same chunk rows loaded by raw `COPY … FROM STDIN` into a table identical to the service's
 * (created with LIKE … INCLUDING ALL, so the same columns, defaults and indexes) with one HNSW index over the
 * whole table, built as the service builds its segments: what a writer that keeps an index current pays.
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
    // LIKE leaves the storage parameters (toast_tuple_target) behind: give the peer the service's (set on its
    // partitions; LIKE does not copy partitioning, so the peer is one plain table).
    const { rows } = await this.pool.query<{ options: string[] | null }>(
      `select c.reloptions as options from pg_class c
        where c.oid = $1::regclass or c.oid in (select inhrelid from pg_inherits where inhparent = $1::regclass)
        order by c.reloptions is null limit 1`,
      [this.serviceTable],
    );
    if (rows[0]?.options?.length) await this.pool.query(`alter table ${this.table} set (${rows[0].options.join(', ')})`);
    // The service's partial segment indexes came along with LIKE: the peer gets one full index instead.
    for (const name of await this.hnswIndexNames()) await this.pool.query(`drop index ${name}`);
    if (withVectorIndex) await this.createVectorIndex();
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

  /** Builds one HNSW index over the table, with the method and parameters of the service's segments. */
  async createVectorIndex(): Promise<void> {
    await this.pool.query(`create index on ${this.table} using ${HNSW_INDEX_METHOD}`);
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
