import { Embeddings } from '@langchain/core/embeddings';
import { Document } from '@langchain/core/documents';
import { PGVectorStore } from '@langchain/community/vectorstores/pgvector';
import { RecursiveCharacterTextSplitter } from '@langchain/textsplitters';
import type { Pool } from 'pg';
import { createPool } from './database';
import type { HashingEmbedder } from '../../src/embedding/hashing.embedder';
import { CHUNKING, ChunkRow } from './rows';

/** The service's built-in embedder as LangChain `Embeddings`, so both sides embed identically. */
class HashingEmbeddings extends Embeddings {
  constructor(private readonly embedder: HashingEmbedder) {
    super({});
  }

  embedDocuments(texts: string[]): Promise<number[][]> {
    return Promise.resolve(texts.map((t) => Array.from(this.embedder.embedOne(t))));
  }

  embedQuery(text: string): Promise<number[]> {
    return Promise.resolve(Array.from(this.embedder.embedOne(text)));
  }
}

/**
 * The peer: LangChain.js's recursive splitter and its pgvector store, in a table of its own. The store holds
 * one pool client for its lifetime and ends its pool on end(), so each peer gets a pool of its own.
 */
export class LangchainPeer {
  private store!: PGVectorStore;
  private readonly pool: Pool;

  constructor(
    url: string,
    private readonly embedder: HashingEmbedder,
    private readonly schema: string,
    private readonly tableName: string,
  ) {
    this.pool = createPool(url, { maintenanceWorkMem: '1GB' });
  }

  /** (Re)creates its table; call once per peer. */
  async create(withVectorIndex: boolean): Promise<void> {
    await this.pool.query(`drop table if exists "${this.schema}"."${this.tableName}"`);
    this.store = await PGVectorStore.initialize(new HashingEmbeddings(this.embedder), {
      pool: this.pool,
      schemaName: this.schema,
      tableName: this.tableName,
      dimensions: this.embedder.dimension,
      distanceStrategy: 'cosine',
    });
    if (withVectorIndex) await this.createVectorIndex();
  }

  createVectorIndex(): Promise<void> {
    return this.store.createHnswIndex({ dimensions: this.embedder.dimension }).then(() => undefined);
  }

  /** Split with RecursiveCharacterTextSplitter (same size and overlap), embed and store: LangChain's ingest path. */
  async ingest(documents: string[]): Promise<number> {
    const splitter = new RecursiveCharacterTextSplitter({ chunkSize: CHUNKING.chunk_size, chunkOverlap: CHUNKING.chunk_overlap });
    const docs = await splitter.createDocuments(documents);
    await this.store.addDocuments(docs);
    return docs.length;
  }

  /** Stores precomputed rows (search corpus set-up, not measured). */
  async addRows(rows: ChunkRow[]): Promise<void> {
    await this.store.addVectors(
      rows.map((r) => Array.from(r.embedding)),
      rows.map((r) => new Document({ pageContent: r.text, metadata: {} })),
    );
  }

  async search(query: string, k: number): Promise<number> {
    return (await this.store.similaritySearch(query, k)).length;
  }

  /** Releases the store's client and ends the pool. */
  close(): Promise<void> {
    return this.store.end();
  }
}
