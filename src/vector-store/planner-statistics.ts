import { Logger } from '@nestjs/common';
import { SqlEntityManager } from '../database/sql';
import { ChunkPartition } from './chunk-partitions';

/**
 * The columns search plans are estimated on: seq (which segment a range is), and the filters collection and
 * ingestion_id. Without statistics on collection the planner took a collection holding 86k of 94k chunks for
 * 436 rows and chose an exact sort over a bitmap scan (483 ms) instead of the segment's HNSW index (22 ms).
 * Analyzing only these columns costs a fraction of a whole-table ANALYZE (50 ms against 230 ms at 14k chunks).
 * chunk_tsv's word frequencies let keyword search read a common word by a scan that stops early rather than
 * its whole GIN posting list (keyword-search.ts); at 117k chunks they add 20% (650 ms against 540 ms).
 */
const PLANNED_COLUMNS = '(seq, collection, ingestion_id, chunk_tsv)';
/** Statistics are refreshed once this many chunks, or this fraction of the table, arrived since the last time. */
const ANALYZE_MIN_NEW_CHUNKS = 1000;
const ANALYZE_MIN_NEW_FRACTION = 0.1;

/**
 * Keeps the planner's statistics true as chunks arrive (autovacuum is not relied on, and PGlite has none).
 * Searches are planned per partition, on its own statistics, so only the partitions that received chunks
 * since the last refresh are analyzed: the cost follows what arrived, not the store's size.
 */
export class PlannerStatistics {
  /** The largest seq when this process last refreshed them. */
  private analyzedThrough = 0;

  constructor(private readonly logger: Logger) {}

  /** Refreshes the statistics once enough chunks arrived since the last refresh. */
  async refreshIfChanged(em: SqlEntityManager, partitions: readonly ChunkPartition[], lastSeq: number): Promise<void> {
    const arrived = lastSeq - this.analyzedThrough;
    if (arrived >= Math.max(ANALYZE_MIN_NEW_CHUNKS, this.analyzedThrough * ANALYZE_MIN_NEW_FRACTION)) {
      await this.refresh(em, partitions, { seqFrom: this.analyzedThrough, seqTo: lastSeq });
    }
  }

  /** Analyzes the partitions overlapping (seqFrom, seqTo], and merges their full-text indexes' pending lists. */
  async refresh(em: SqlEntityManager, partitions: readonly ChunkPartition[], range: { seqFrom: number; seqTo: number }): Promise<void> {
    const started = Date.now();
    const touched = partitions.filter((p) => p.seqTo > range.seqFrom && p.seqFrom < range.seqTo);
    if (touched.length === 0) return void (this.analyzedThrough = Math.max(this.analyzedThrough, range.seqTo));
    const schema = String(em.config.get('schema'));
    const tables = touched.map((p) => `"${schema}"."${p.name}"`);
    await em.execute(`analyze ${tables.map((t) => `${t} ${PLANNED_COLUMNS}`).join(', ')}`);
    // Every keyword query also reads the full-text index's pending list (recent inserts, unsorted); autovacuum
    // merges it on PostgreSQL, but PGlite runs no autovacuum: merge it here, as often as statistics are taken.
    await em.execute(
      `select gin_clean_pending_list(i.indexrelid)
         from pg_index i join pg_inherits h on h.inhrelid = i.indexrelid
        where h.inhparent = ?::regclass and i.indrelid in (${tables.map(() => '?::regclass').join(', ')})`,
      [`"${schema}".chunk_vectors_tsv_gin`, ...tables],
    );
    this.analyzedThrough = Math.max(this.analyzedThrough, range.seqTo);
    this.logger.debug(`Analyzed ${tables.join(', ')} ${PLANNED_COLUMNS} through seq ${range.seqTo} in ${Date.now() - started} ms`);
  }
}
