import { Injectable, OnModuleInit } from '@nestjs/common';
import pgvector from 'pgvector';
import { chunkId } from '../chunking/chunk-id';
import { AppConfig } from '../config/app-config';
import { BootCheckError } from '../database/boot-check.error';
import { SchemaGuard } from '../database/schema-guard.service';
import { executeBound, tableName, SqlEntityManager } from '../database/sql';
import { Embedder } from '../embedding/embedder';
import { indexedThrough, segmentCondition, SegmentCatalog } from './index-segments';
import { searchKeyword } from './keyword-search';
import { HIT_COLUMNS, HitRow, toHit, whereClause } from './search-rows';
import { binaryVectorArray } from './vector-binary';
import { ChunkPage, ChunkPageQuery, ChunkSet, KeywordQuery, SearchHit, VectorQuery, VectorStore } from './vector-store';

/** Rows per INSERT: bounds the size of one statement's array parameters (a 384-d vector is ~3 KB of text). */
const INSERT_BATCH = 500;
/**
 * Rows per INSERT of a long text's window (appendChunks): the vectors' array literal (~4.5 KB a row) is built
 * below V8's 128 KB limit for young objects; a larger string is allocated in the old generation, where a
 * 50 MB text's 2,600 statements would pile up as garbage until a full collection.
 */
const APPEND_BATCH = 24;

/** Chunks in `chunk_vectors`: cosine search through its HNSW segments and exact tail, keyword search through its GIN index. */
@Injectable()
export class PgvectorStore extends VectorStore implements OnModuleInit {
  constructor(
    private readonly em: SqlEntityManager,
    private readonly embedder: Embedder,
    private readonly schemaGuard: SchemaGuard,
    private readonly segments: SegmentCatalog,
    private readonly config: AppConfig,
  ) {
    super();
  }

  /**
   * The server's OID of pgvector's `vector` type, on PostgreSQL: vectors are then inserted in binary, which
   * spares both the app's float formatting and the server's parsing (PGlite's driver takes text only).
   */
  private vectorOid?: number;

  private get table(): string {
    return tableName(this.em, 'chunk_vectors');
  }

  /** Refuses to start when the embedder's vectors would not fit the column, and says how to get out. */
  async onModuleInit(): Promise<void> {
    await this.schemaGuard.ensureSchemaReady();
    const [row] = await this.em.execute<{ dimension: number }[]>(
      `select atttypmod as dimension from pg_attribute where attrelid = ?::regclass and attname = 'embedding'`,
      [this.table],
    );
    if (row?.dimension !== this.embedder.dimension) {
      throw new BootCheckError(
        `The vector column ${this.table}.embedding has dimension ${row?.dimension}, but the embedder "${this.embedder.name}" ` +
          `produces ${this.embedder.dimension} (EMBEDDING_DIMENSION). Either use a model with ${row?.dimension} dimensions and set ` +
          `EMBEDDING_DIMENSION=${row?.dimension}, or add a migration that changes the column to vector(${this.embedder.dimension}) ` +
          `and then run \`npm run reembed\` to re-embed the stored chunks (docs/operations.md: "Change the embedding model").`,
      );
    }
    if (!this.config.usesEmbeddedDatabase) {
      const [type] = await this.em.execute<{ oid: number | string }[]>(`select 'vector'::regtype::oid as oid`);
      this.vectorOid = Number(type.oid);
    }
  }

  /** Deletes the ingestions' chunks, then inserts the new ones. */
  async replaceChunks(tx: SqlEntityManager, sets: readonly ChunkSet[]): Promise<void> {
    if (sets.length === 0) return;
    await executeBound(tx, `delete from ${this.table} where ingestion_id = any($1::uuid[])`, [sets.map((s) => s.ingestionId)]);
    await this.insert(tx, sets, INSERT_BATCH);
  }

  /**
   * Inserts the chunks of a long text's window, where memory matters more than the number of statements:
   * APPEND_BATCH rows at a time, and on PostgreSQL every parameter sent as bytes. String parameters handed to
   * the `pg` driver outlive the young generation (measured: nearly all of them were promoted), so a 50 MB
   * text's ~300 MB of them piled up in the old generation, which grew by ~150 MB; as Buffers it stays flat.
   */
  async appendChunks(tx: SqlEntityManager, sets: readonly ChunkSet[]): Promise<void> {
    await this.insert(tx, sets, APPEND_BATCH, !this.config.usesEmbeddedDatabase);
  }

  /**
   * Inserts the chunks with one `INSERT … SELECT FROM unnest(…)` per `rowsPerStatement` rows, whichever
   * ingestions they belong to: a dozen bound array parameters whatever the row count (well below PGlite's
   * 32,767-parameter limit), and no per-row SQL for the server to parse. With `asBytes`, each array goes as
   * the UTF-8 bytes of its literal (binary `text`), cast to its type by the statement.
   */
  private async insert(tx: SqlEntityManager, sets: readonly ChunkSet[], rowsPerStatement: number, asBytes = false): Promise<void> {
    const rows = sets.flatMap((set) => {
      const sourceMetadata = JSON.stringify(set.sourceMetadata);
      return set.chunks.map((chunk) => ({ set, sourceMetadata, chunk }));
    });
    const types = ['uuid', 'uuid', 'text', 'text', 'jsonb', 'int', 'text', 'int', 'int', 'int', 'jsonb'];
    const vectorOid = this.vectorOid;
    const vectorColumn = vectorOid === undefined ? '$12::text::vector[]' : '$12::vector[]';
    const columns = [...types.map((type, i) => `$${i + 1}::${asBytes ? 'text::' : ''}${type}[]`), vectorColumn].join(', ');
    for (let from = 0; from < rows.length; from += rowsPerStatement) {
      const batch = rows.slice(from, from + rowsPerStatement);
      const params = [
        batch.map(({ set, chunk }) => chunkId(set.ingestionId, chunk.index)),
        batch.map(({ set }) => set.ingestionId),
        batch.map(({ set }) => set.collection),
        batch.map(({ set }) => set.strategy),
        batch.map(({ sourceMetadata }) => sourceMetadata),
        batch.map(({ chunk }) => chunk.index),
        batch.map(({ chunk }) => chunk.text),
        batch.map(({ chunk }) => chunk.start),
        batch.map(({ chunk }) => chunk.end),
        batch.map(({ chunk }) => chunk.tokenCount ?? null),
        batch.map(({ chunk }) => JSON.stringify(chunk.metadata ?? {})),
        vectorOid === undefined
          ? // One array literal: PGlite's driver does not know how to serialise an array of pgvector's type.
            `{${batch.map(({ chunk }) => `"${vectorLiteral(chunk.embedding)}"`).join(',')}}`
          : binaryVectorArray(
              batch.map(({ chunk }) => chunk.embedding),
              vectorOid,
            ),
      ];
      await executeBound(
        tx,
        `insert into ${this.table} (chunk_id, ingestion_id, collection, chunk_strategy, source_metadata, chunk_index, chunk_text,
                start_offset, end_offset, token_count, chunk_metadata, embedding)
         select * from unnest(${columns})`,
        asBytes
          ? params.map((param) => (Buffer.isBuffer(param) ? param : Buffer.from(typeof param === 'string' ? param : arrayLiteral(param))))
          : params,
      );
    }
  }

  /**
   * The nearest `topK` of each HNSW segment (its range condition lets the planner use its partial index) and
   * of the unindexed tail (an exact scan of the newest chunks), merged by exact distance. Filtered searches
   * still return `topK` when that many chunks match: pgvector 0.8's iterative scan keeps walking the graph
   * until enough rows pass the filters (or hnsw.max_scan_tuples, 20,000 by default, is reached);
   * `relaxed_order` may return them slightly out of order, which the final sort repairs. A very selective
   * filter (a few ingestions) makes the planner pick the ingestion_id index and an exact scan instead.
   * A zero vector (a chunk or a query text that embeds to nothing) has a NaN cosine distance, which PostgreSQL
   * sorts above every number and lets pass `>=`: such rows are dropped, never returned with a null score.
   */
  async search(query: VectorQuery): Promise<SearchHit[]> {
    const filters = whereClause(query, 2);
    const efSearch = Math.max(query.efSearch ?? this.config.SEARCH_EF_SEARCH, query.topK);
    const topK = Math.trunc(query.topK);
    const segments = await this.segments.current();
    const ranges = [...segments.map(segmentCondition), `seq > ${indexedThrough(segments)}`];
    const nearestIn = (range: string) =>
      `(select ${HIT_COLUMNS}, embedding <=> $1::vector as distance from ${this.table}
         where ${range} and ${filters.sql} order by embedding <=> $1::vector limit ${topK})`;
    const sql = `with nearest as materialized (${ranges.map(nearestIn).join(' union all ')})
         select *, 1 - distance as score from nearest
          where distance <> 'NaN' ${query.minScore === undefined ? '' : `and 1 - distance >= ${Number(query.minScore)}`}
          order by distance, chunk_id
          limit ${topK}`;
    const params = [pgvector.toSql(Array.from(query.vector)), ...filters.params];
    // Every connection starts with ef_search = SEARCH_EF_SEARCH and the iterative scan (mikro-orm.config.ts);
    // another ef_search is set for this query only (SET LOCAL), leaving the pooled connection as found.
    const rows =
      efSearch === this.config.SEARCH_EF_SEARCH
        ? await executeBound<HitRow>(this.em, sql, params)
        : await this.em.transactional(async (tx) => {
            await tx.execute(`set local hnsw.ef_search = ${Math.trunc(efSearch)}`);
            return executeBound<HitRow>(tx, sql, params);
          });
    return rows.map(toHit);
  }

  /** Keyword search with a bounded candidate set: every word first, then any word (see keyword-search.ts). */
  searchKeyword(query: KeywordQuery): Promise<SearchHit[]> {
    return searchKeyword(this.em, this.table, query, this.config.SEARCH_KEYWORD_CANDIDATES);
  }

  async hasChunks(collection: string): Promise<boolean> {
    const rows = await this.em.execute(`select 1 from ${this.table} where collection = ? limit 1`, [collection]);
    return rows.length > 0;
  }

  /**
   * Keyset on the (ingestion_id, chunk_index) index: a page is a range of it, however deep. One row more
   * than asked for says whether another page follows. Embeddings are read in pgvector's text form, which
   * prints each float4 exactly (shortest round-trip digits).
   */
  async listChunks(query: ChunkPageQuery): Promise<ChunkPage> {
    const limit = Math.trunc(query.limit);
    const rows = await this.em.execute<
      {
        chunk_id: string;
        chunk_index: number;
        chunk_text: string;
        start_offset: number;
        end_offset: number;
        token_count: number | null;
        chunk_metadata: Record<string, unknown>;
        embedding?: string;
      }[]
    >(
      `select chunk_id, chunk_index, chunk_text, start_offset, end_offset, token_count, chunk_metadata
              ${query.withEmbeddings ? ', embedding::text as embedding' : ''}
         from ${this.table}
        where ingestion_id = ? and chunk_index > ?
        order by chunk_index
        limit ?`,
      [query.ingestionId, query.afterIndex ?? -1, limit + 1],
    );
    const page = rows.slice(0, limit);
    return {
      chunks: page.map((row) => ({
        chunkId: row.chunk_id,
        index: row.chunk_index,
        text: row.chunk_text,
        start: row.start_offset,
        end: row.end_offset,
        tokenCount: row.token_count,
        metadata: row.chunk_metadata,
        ...(row.embedding === undefined ? {} : { embedding: pgvector.fromSql(row.embedding) as number[] }),
      })),
      next: rows.length > limit ? page.at(-1)?.chunk_index : undefined,
    };
  }

  /** One grouped count; the (collection, created_at) index can serve it without reading the chunks' rows. */
  async countByCollection(tx: SqlEntityManager, collections: readonly string[] | null): Promise<Map<string, number>> {
    if (collections?.length === 0) return new Map();
    const rows = await tx.execute<{ collection: string; n: string | number }[]>(
      `select collection, count(*) as n from ${this.table}
        ${collections ? `where collection in (${collections.map(() => '?').join(', ')})` : ''}
        group by collection`,
      collections ? [...collections] : [],
    );
    return new Map(rows.map((row) => [row.collection, Number(row.n)]));
  }

  async deleteByIngestion(tx: SqlEntityManager, ingestionId: string): Promise<number> {
    const rows = await tx.execute(`delete from ${this.table} where ingestion_id = ? returning chunk_id`, [ingestionId]);
    return rows.length;
  }

  async deleteByCollection(tx: SqlEntityManager, collection: string): Promise<number> {
    const [row] = await tx.execute<{ n: string | number }[]>(
      `with deleted as (delete from ${this.table} where collection = ? returning 1) select count(*) as n from deleted`,
      [collection],
    );
    return Number(row.n);
  }
}

/** PostgreSQL's text form of a one-dimensional array of strings, numbers and nulls. */
function arrayLiteral(values: readonly (string | number | null)[]): string {
  const element = (value: string | number | null) =>
    value === null ? 'NULL' : typeof value === 'number' ? String(value) : `"${value.replace(/["\\]/g, '\\$&')}"`;
  return `{${values.map(element).join(',')}}`;
}

/**
 * pgvector's text form with 7 significant digits, for bulk inserts: float32 holds about that many, and the text is
 * half the size of pgvector.toSql's full doubles, so it travels and parses faster.
 */
function vectorLiteral(vector: Float32Array): string {
  let text = '[';
  for (let i = 0; i < vector.length; i++) text += (i ? ',' : '') + (vector[i] === 0 ? '0' : vector[i].toPrecision(7));
  return `${text}]`;
}
