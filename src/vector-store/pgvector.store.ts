import { Injectable, OnModuleInit } from '@nestjs/common';
import pgvector from 'pgvector';
import { chunkId } from '../chunking/chunk-id';
import { BootCheckError } from '../database/boot-check.error';
import { SchemaGuard } from '../database/schema-guard.service';
import { tableName, SqlEntityManager } from '../database/sql';
import { Embedder } from '../embedding/embedder';
import { ChunkSet, SearchHit, VectorQuery, VectorStore } from './vector-store';

/** Rows per INSERT. Values are inlined, so PGlite's 32,767 bind-parameter limit does not apply; this bounds statement size. */
const INSERT_BATCH = 200;
/** HNSW returns at most ef_search candidates; 40 is pgvector's default. */
const MIN_EF_SEARCH = 40;

interface HitRow {
  chunk_id: string;
  ingestion_id: string;
  chunk_index: number;
  chunk_strategy: string;
  chunk_text: string;
  start_offset: number;
  end_offset: number;
  source_metadata: Record<string, unknown>;
  chunk_metadata: Record<string, unknown>;
  created_at: Date | string;
  score: number | string;
}

/** Chunks in `chunk_vectors`, searched by cosine distance through its HNSW index. */
@Injectable()
export class PgvectorStore extends VectorStore implements OnModuleInit {
  constructor(
    private readonly em: SqlEntityManager,
    private readonly embedder: Embedder,
    private readonly schemaGuard: SchemaGuard,
  ) {
    super();
  }

  private get table(): string {
    return tableName(this.em, 'chunk_vectors');
  }

  /** Refuses to start when the embedder's vectors would not fit the column. */
  async onModuleInit(): Promise<void> {
    await this.schemaGuard.ensureSchemaReady();
    const [row] = await this.em.execute<{ dimension: number }[]>(
      `select atttypmod as dimension from pg_attribute where attrelid = ?::regclass and attname = 'embedding'`,
      [this.table],
    );
    if (row?.dimension !== this.embedder.dimension) {
      throw new BootCheckError(
        `The vector column ${this.table}.embedding has dimension ${row?.dimension}, but the embedder "${this.embedder.name}" ` +
          `produces ${this.embedder.dimension}. Set EMBEDDING_DIMENSION=${row?.dimension} (or pick a model of that size), or add a ` +
          `migration that changes the column to vector(${this.embedder.dimension}) and re-ingest the documents.`,
      );
    }
  }

  async replaceChunks(tx: SqlEntityManager, set: ChunkSet): Promise<void> {
    await tx.execute(`delete from ${this.table} where ingestion_id = ?`, [set.ingestionId]);
    const metadata = JSON.stringify(set.sourceMetadata);
    for (let from = 0; from < set.chunks.length; from += INSERT_BATCH) {
      const batch = set.chunks.slice(from, from + INSERT_BATCH);
      const params = batch.flatMap((c) => [
        chunkId(set.ingestionId, c.index),
        set.ingestionId,
        c.index,
        set.strategy,
        c.text,
        c.start,
        c.end,
        metadata,
        pgvector.toSql(Array.from(c.embedding)),
        JSON.stringify(c.metadata ?? {}),
      ]);
      await tx.execute(
        `insert into ${this.table} (chunk_id, ingestion_id, chunk_index, chunk_strategy, chunk_text, start_offset,
                end_offset, source_metadata, embedding, chunk_metadata)
         values ${batch.map(() => '(?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::vector, ?::jsonb)').join(', ')}`,
        params,
      );
    }
  }

  async search({ vector, topK, ingestionId }: VectorQuery): Promise<SearchHit[]> {
    const literal = pgvector.toSql(Array.from(vector));
    const rows = await this.em.transactional(async (tx) => {
      // SET LOCAL keeps the setting inside this transaction, so pooled connections are left as found.
      await tx.execute(`set local hnsw.ef_search = ${Math.max(MIN_EF_SEARCH, topK)}`);
      return tx.execute<HitRow[]>(
        `select chunk_id, ingestion_id, chunk_index, chunk_strategy, chunk_text, start_offset, end_offset,
                source_metadata, chunk_metadata, created_at, 1 - (embedding <=> ?::vector) as score
           from ${this.table}
          ${ingestionId ? 'where ingestion_id = ?' : ''}
          order by embedding <=> ?::vector
          limit ?`,
        ingestionId ? [literal, ingestionId, literal, topK] : [literal, literal, topK],
      );
    });
    return rows.map((r) => ({
      chunkId: r.chunk_id,
      ingestionId: r.ingestion_id,
      chunkIndex: r.chunk_index,
      chunkStrategy: r.chunk_strategy,
      chunkText: r.chunk_text,
      startOffset: r.start_offset,
      endOffset: r.end_offset,
      sourceMetadata: r.source_metadata,
      chunkMetadata: r.chunk_metadata,
      createdAt: new Date(r.created_at),
      score: Number(r.score),
    }));
  }

  async deleteByIngestion(tx: SqlEntityManager, ingestionId: string): Promise<number> {
    const rows = await tx.execute(`delete from ${this.table} where ingestion_id = ? returning chunk_id`, [ingestionId]);
    return rows.length;
  }
}
