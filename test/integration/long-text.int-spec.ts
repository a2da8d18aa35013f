import type { INestApplicationContext } from '@nestjs/common';
import { chunkId } from '../../src/chunking/chunk-id';
import { ChunkerRegistry } from '../../src/chunking/chunker-registry';
import type { ChunkingOptions } from '../../src/chunking/chunking-options';
import { tableName, SqlEntityManager } from '../../src/database/sql';
import { Embedder } from '../../src/embedding/embedder';
import { IngestionPoller } from '../../src/ingestion/ingestion.poller';
import { IngestionProcessor } from '../../src/ingestion/ingestion.processor';
import { LongTextOptions } from '../../src/ingestion/processing-steps';
import { CLAIMED_TEXT_LIMIT } from '../../src/queue/long-text';
import { revokeClaims } from '../../src/queue/sql/revoke';
import { JobQueue } from '../../src/queue/job-queue';
import { IngestionRequestRepository } from '../../src/queue/ingestion-request.repository';
import { IngestionStatus } from '../../src/queue/ingestion-status';
import { SubmissionService } from '../../src/queue/submission.service';
import { longText } from '../factories/long-text.factory';
import { DbQueries } from '../support/db-queries';
import { useTestApp } from '../support/use-test-app';
import { databaseTarget, describeDatabase } from '../support/test-database';

/** Chunks per window here: a long text goes through dozens of them. */
const WINDOW = 40;

interface StoredChunk {
  chunk_id: string;
  chunk_index: number;
  chunk_text: string;
  start_offset: number;
  end_offset: number;
  token_count: number;
  chunk_metadata: Record<string, unknown>;
}

describeDatabase('a long text, processed window by window', () => {
  // The tail bound is lifted: these texts leave thousands of unindexed chunks, and on PostgreSQL the intake
  // gate would otherwise pause claims until the indexer (not run here) sealed them.
  const suite = useTestApp({ RETRY_BASE_DELAY_MS: '0', MAX_ATTEMPTS: '3', INDEX_MAX_TAIL_CHUNKS: '1000000' }, (builder) =>
    builder.overrideProvider(LongTextOptions).useValue({ windowChunks: WINDOW }),
  );
  let app: INestApplicationContext;
  let db: DbQueries;
  let submissions: SubmissionService;
  let poller: IngestionPoller;
  let embedder: Embedder;

  beforeAll(() => {
    app = suite.app;
    db = suite.db;
    submissions = app.get(SubmissionService);
    poller = app.get(IngestionPoller);
    embedder = app.get(Embedder);
  });

  afterEach(() => jest.restoreAllMocks());

  const submit = (text: string, chunking: ChunkingOptions) =>
    db.inContext(() => submissions.submit({ text, chunking, sourceMetadata: { source: 'long.txt' } }));
  const statusOf = (id: string) => db.inContext(() => app.get(IngestionRequestRepository).findByIdOrFail(id));

  async function storedChunks(ingestionId: string): Promise<StoredChunk[]> {
    const em = app.get(SqlEntityManager);
    return db.inContext(() =>
      em.execute(
        `select chunk_id, chunk_index, chunk_text, start_offset, end_offset, token_count, chunk_metadata
           from ${tableName(em, 'chunk_vectors')} where ingestion_id = ? order by chunk_index`,
        [ingestionId],
      ),
    );
  }

  /** The chunks the in-memory chunker gives, as they would be stored. */
  function expectedChunks(ingestionId: string, text: string, chunking: ChunkingOptions): StoredChunk[] {
    return app
      .get(ChunkerRegistry)
      .split(text, chunking)
      .map((c) => ({
        chunk_id: chunkId(ingestionId, c.index),
        chunk_index: c.index,
        chunk_text: c.text,
        start_offset: c.start,
        end_offset: c.end,
        token_count: c.tokenCount,
        chunk_metadata: c.metadata,
      }));
  }

  it.each<[string, number, ChunkingOptions]>([
    ['fixed', 1_500_000, { strategy: 'fixed', chunk_size: 1000, chunk_overlap: 200 }],
    ['markdown, in tokens', 400_000, { strategy: 'markdown', chunk_size: 200, chunk_overlap: 20, size_unit: 'tokens' }],
  ])('should store every chunk of a %s text, with the offsets and ids of the in-memory chunker', async (_, chars, chunking) => {
    const text = longText(chars, { headings: true, unicode: true });
    expect(text.length).toBeGreaterThan(CLAIMED_TEXT_LIMIT);
    const { request } = await submit(text, chunking);

    await poller.tick();

    const done = await statusOf(request.id);
    const expected = expectedChunks(request.id, text, chunking);
    expect(expected.length).toBeGreaterThan(5 * WINDOW);
    expect(done).toMatchObject({ status: IngestionStatus.Completed, attempts: 1, chunkCount: expected.length });
    expect(await storedChunks(request.id)).toEqual(expected);
  });

  it('should store nothing when a window fails midway, and store it all on the retry', async () => {
    const text = longText(800_000, { seed: 7 });
    const chunking: ChunkingOptions = { strategy: 'fixed', chunk_size: 800, chunk_overlap: 100 };
    const { request } = await submit(text, chunking);
    const embed = embedder.embed.bind(embedder);
    let calls = 0;
    jest.spyOn(embedder, 'embed').mockImplementation(async (texts) => {
      // Several windows are inserted (in the transaction) before this one fails.
      if (++calls === 6) throw new Error('embedding provider unavailable');
      return embed(texts);
    });

    await poller.tick();

    const retrying = await statusOf(request.id);
    expect(retrying).toMatchObject({ status: IngestionStatus.Accepted, attempts: 1, errorMessage: 'embedding provider unavailable' });
    expect(await db.count('chunk_vectors', 'ingestion_id = ?', [request.id])).toBe(0);

    await db.makeDue(request.id);
    await poller.tick();

    expect(await statusOf(request.id)).toMatchObject({ status: IngestionStatus.Completed, attempts: 2 });
    expect(await storedChunks(request.id)).toEqual(expectedChunks(request.id, text, chunking));
  });

  // Another process's delete revokes the claim in the database; the worker must see it at its next window.
  // On the embedded database (one process, one connection) there is no other process to delete.
  (databaseTarget() === 'PGlite' ? it.skip : it)(
    'should stop at its next window, storing nothing, once another process revokes its claim',
    async () => {
      const text = longText(800_000, { seed: 13 });
      const { request } = await submit(text, { strategy: 'fixed', chunk_size: 800, chunk_overlap: 100 });
      const embed = embedder.embed.bind(embedder);
      let calls = 0;
      jest.spyOn(embedder, 'embed').mockImplementation(async (texts, signal) => {
        // As a delete in another process does, on its own connection, committed while this transaction runs.
        if (++calls === 3) await db.inContext(() => revokeClaims(app.get(SqlEntityManager), { id: request.id }));
        return embed(texts, signal);
      });

      await poller.tick();

      expect(calls).toBe(3); // one window each: it stopped at the window after the revocation
      expect(await statusOf(request.id)).toMatchObject({ status: IngestionStatus.Running, attempts: 1, chunkCount: null });
      expect(await db.count('chunk_vectors', 'ingestion_id = ?', [request.id])).toBe(0);
      await db.inContext(() =>
        app.get(SqlEntityManager).execute(`delete from ${tableName(app.get(SqlEntityManager), 'ingestion_requests')} where id = ?`, [request.id]),
      );
    },
  );

  it('should store nothing for a long version of a document when a newer version completed first', async () => {
    const chunking: ChunkingOptions = { strategy: 'fixed', chunk_size: 1000, chunk_overlap: 100 };
    const older = await db.inContext(() =>
      submissions.submit({ text: longText(400_000, { seed: 3 }), chunking, sourceMetadata: {}, documentId: 'ledger' }),
    );
    const newer = await db.inContext(() =>
      submissions.submit({ text: 'The ledger, rewritten in one line.', chunking, sourceMetadata: {}, documentId: 'ledger' }),
    );
    const claimed = await db.inContext(() => app.get(JobQueue).claim('worker-a', 10));
    const byId = new Map(claimed.map((c) => [c.id, c]));
    expect(byId.get(older.request.id)?.text).toBeUndefined(); // claimed without its text

    const processor = app.get(IngestionProcessor);
    expect(await db.inContext(() => processor.process(byId.get(newer.request.id)!, 'worker-a'))).toBe('completed');
    expect(await db.inContext(() => processor.process(byId.get(older.request.id)!, 'worker-a'))).toBe('superseded');

    expect(await statusOf(older.request.id)).toMatchObject({ status: IngestionStatus.Superseded, supersededBy: newer.request.id });
    expect(await db.count('chunk_vectors', 'ingestion_id = ?', [older.request.id])).toBe(0);
    expect(await db.count('chunk_vectors', 'ingestion_id = ?', [newer.request.id])).toBe(1);
  });

  it('should replace what an earlier processing stored when the same ingestion is processed again', async () => {
    const text = longText(400_000, { seed: 9 });
    const chunking: ChunkingOptions = { strategy: 'recursive', chunk_size: 500, chunk_overlap: 50 };
    const { request } = await submit(text, chunking);
    await poller.tick();
    const first = await storedChunks(request.id);

    // As `npm run reembed` does: back to the queue, processed again under the same ids.
    await db.inContext(() =>
      app
        .get(SqlEntityManager)
        .execute(`update ${tableName(app.get(SqlEntityManager), 'ingestion_requests')} set status = 'accepted' where id = ?`, [request.id]),
    );
    await poller.tick();

    expect(await storedChunks(request.id)).toEqual(first);
    expect(first).toEqual(expectedChunks(request.id, text, chunking));
  });
});
