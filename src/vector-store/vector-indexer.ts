import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Client } from 'pg';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { FailureStreak } from '../database/failure-streak';
import { JobQueue } from '../queue/job-queue';
import { SqlEntityManager, tableName } from '../database/sql';
import { ChunkPartition, ChunkPartitions, partitionOf } from './chunk-partitions';
import {
  HNSW_INDEX_METHOD,
  IndexSegment,
  indexedThrough,
  nextBuild,
  SEGMENT_INDEX_PREFIX,
  segmentCondition,
  segmentIndexName,
  SegmentCatalog,
  TailState,
  type BuildPlan,
  type IndexPolicy,
} from './index-segments';
import { PlannerStatistics } from './planner-statistics';

const INTERVAL_NAME = 'vector-indexer';

/** Held by the one instance that builds at a time (any fixed 64-bit number; the migrations use another). */
const INDEXER_LOCK_KEY = 7_460_146_530;

/**
 * Builds the HNSW segments in the background (see index-segments.ts for the layout and the policy). On
 * PostgreSQL each build is `CREATE INDEX CONCURRENTLY` on a connection of its own, so ingestion and search
 * go on meanwhile, under a session advisory lock so only one instance builds; the segment list is updated
 * in one transaction once the index is valid, and replaced indexes are dropped after that. On the embedded
 * database (one connection) the build is a plain CREATE INDEX.
 */
@Injectable()
export class VectorIndexer implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(VectorIndexer.name);
  private readonly failures = new FailureStreak(this.logger, 'Index check');
  private readonly policy: IndexPolicy;
  private running?: Promise<BuildPlan | undefined>;
  private stopped = false;
  /** The last segment this process sealed was sealed during a load (see TailState.endsLoad). */
  private sealedDuringLoad = false;
  /** The server process of the build in progress on PostgreSQL, cancelled at shutdown. */
  private buildPid?: number;
  private readonly statistics = new PlannerStatistics(this.logger);
  /** The newest chunk's seq when this process first saw it, and when (by `clock`): how long no chunk has arrived. */
  private newestSeen?: { lastSeq: number; at: number };

  constructor(
    private readonly em: SqlEntityManager,
    private readonly catalog: SegmentCatalog,
    private readonly partitions: ChunkPartitions,
    private readonly config: AppConfig,
    private readonly scheduler: SchedulerRegistry,
    private readonly queue: JobQueue,
    private readonly clock: Clock,
  ) {
    this.policy = {
      minSegmentChunks: config.INDEX_MIN_SEGMENT_CHUNKS,
      maxTailChunks: config.INDEX_MAX_TAIL_CHUNKS,
      quietMs: config.INDEX_QUIET_MS,
      idleSealMs: config.INDEX_IDLE_SEAL_MS,
      maxSegments: config.INDEX_MAX_SEGMENTS,
    };
  }

  private get table(): string {
    return tableName(this.em, 'chunk_vectors');
  }

  onApplicationBootstrap(): void {
    if (!this.config.POLLER_ENABLED) return;
    const every = Math.min(1000, this.config.INDEX_QUIET_MS);
    // After a build, check again at once: during a load the tail has grown meanwhile, and waiting for the next
    // interval would leave the core that builds idle.
    const check = (): void =>
      void this.tick()
        .then((built) => {
          this.failures.succeeded();
          if (built && !this.stopped) setImmediate(check);
        })
        // A check cut off by shutdown (the ORM closing under it, a build cancelled) is no failure to report.
        .catch((e: unknown) => (this.stopped ? undefined : this.failures.failed(e)));
    this.scheduler.addInterval(INTERVAL_NAME, setInterval(check, every));
  }

  /** Stops checking before anything closes: a check against a closing ORM would only fail. */
  beforeApplicationShutdown(): void {
    this.stopped = true;
    if (this.scheduler.doesExist('interval', INTERVAL_NAME)) this.scheduler.deleteInterval(INTERVAL_NAME);
  }

  /**
   * Cancels a build in progress: the server would otherwise go on building after this process is gone (it
   * notices a closed connection only when it next writes to it) and hold its locks on chunk_vectors meanwhile.
   * The half-built index is dropped by the next check (see `leftovers`).
   */
  async onApplicationShutdown(): Promise<void> {
    this.beforeApplicationShutdown();
    const building = this.buildPid;
    if (building === undefined) return;
    // Bounded: shutdown must not hang on a database that is gone (the server then ends the build itself).
    const canceller = this.connection({ connectionTimeoutMillis: 2000, query_timeout: 2000 });
    await canceller
      .connect()
      .then(() => canceller.query('select pg_cancel_backend($1)', [building]))
      .catch((error: unknown) => this.logger.warn(`Could not cancel the index build in progress: ${String(error)}`))
      .finally(() => canceller.end().catch(() => undefined));
  }

  /** One check: builds what the policy asks for (at most one segment); resolves to what it built. */
  tick(): Promise<BuildPlan | undefined> {
    if (this.stopped) return Promise.resolve(undefined);
    this.running ??= this.checkAndBuild().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Builds until the policy is satisfied; for tests and `npm run` scripts that need everything indexed now. */
  async settle(): Promise<void> {
    while (await this.tick());
  }

  /**
   * How many chunks no segment covers yet (the part searches scan exactly), counted up to `upTo`: an index range
   * count, cheap for a bounded tail; after a bulk COPY of 900k chunks an exact count took a second.
   */
  async tailChunks(upTo = Number.MAX_SAFE_INTEGER): Promise<number> {
    const through = indexedThrough(await this.catalog.current());
    const [row] = await this.em
      .fork()
      .execute<{ n: string | number }[]>(`select count(*) as n from (select 1 from ${this.table} where seq > ? limit ?) as tail`, [through, upTo]);
    return Number(row.n);
  }

  /** The unindexed tail above `segments` (read now when not given). */
  async tail(em: SqlEntityManager = this.em.fork(), segments?: readonly IndexSegment[]): Promise<TailState & { indexedThrough: number }> {
    const through = indexedThrough(segments ?? (await this.catalog.read(em)));
    const [row] = await em.execute<{ chunks: string | number; last_seq: string | number | null; idle_ms: string | number | null }[]>(
      `select (select count(*) from ${this.table} where seq > ?) as chunks,
              (select max(seq) from ${this.table}) as last_seq,
              (select extract(epoch from clock_timestamp() - created_at) * 1000 from ${this.table} order by seq desc limit 1) as idle_ms`,
      [through],
    );
    const lastSeq = Number(row.last_seq ?? 0);
    // Measured from this process's first look, not the chunk's created_at: after a restart it waits the whole
    // INDEX_IDLE_SEAL_MS again, and on the Clock a test can move.
    if (this.newestSeen?.lastSeq !== lastSeq) this.newestSeen = { lastSeq, at: this.clock.now() };
    return {
      chunks: Number(row.chunks),
      lastSeq,
      idleMs: row.idle_ms === null ? Number.POSITIVE_INFINITY : Number(row.idle_ms),
      unchangedMs: this.clock.now() - this.newestSeen.at,
      endsLoad: this.sealedDuringLoad,
      drained: !(await this.queue.hasPendingWork(em)),
      indexedThrough: through,
    };
  }

  private async checkAndBuild(): Promise<BuildPlan | undefined> {
    const em = this.em.fork();
    const [row] = await em.execute<{ last_seq: string | number | null }[]>(`select max(seq) as last_seq from ${this.table}`);
    await this.statistics.refreshIfChanged(em, await this.partitions.read(em), Number(row.last_seq ?? 0));
    // Most checks find nothing to do: decide that without a connection of its own or the lock.
    if (!(await this.planNext(em)) && (await this.leftovers(em)).length === 0) return undefined;
    if (this.config.usesEmbeddedDatabase) return this.buildNext(em);
    const client = this.connection();
    try {
      await client.connect();
      this.buildPid = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0].pid;
      const [{ locked }] = (await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1) as locked', [INDEXER_LOCK_KEY])).rows;
      if (!locked) return undefined; // another instance is building
      return await this.buildNext(em, client);
    } finally {
      this.buildPid = undefined;
      await client.end().catch(() => undefined);
    }
  }

  /**
   * A connection of the indexer's own, outside the pool (the build must not hold a pooled connection for
   * minutes) and without its statement bound (a build takes as long as it takes; shutdown cancels it). The
   * server may end it at any time (pg_terminate_backend, a restart): without an 'error' listener, node-postgres
   * would then throw from an event and take the process down. The statement in flight rejects by itself, so
   * the check fails, is logged once, and the next one builds again (dropping the half-built index).
   */
  private connection(options: { connectionTimeoutMillis?: number; query_timeout?: number } = {}): Client {
    const client = new Client({ connectionString: this.config.DATABASE_URL, connectionTimeoutMillis: this.config.DB_ACQUIRE_TIMEOUT_MS, ...options });
    client.on('error', (error) => this.logger.debug(`Indexer connection lost: ${error.message}`));
    return client;
  }

  /** Runs under the indexer lock (or on the embedded database, the only connection). */
  private async buildNext(em: SqlEntityManager, client?: Client): Promise<BuildPlan | undefined> {
    const run = (sql: string) => (client ? client.query(sql).then(() => undefined) : em.execute(sql).then(() => undefined));
    for (const leftover of await this.leftovers(em)) {
      this.logger.warn(`Dropping leftover vector index ${leftover} (a build that did not finish)`);
      // Concurrently on PostgreSQL: a plain DROP INDEX queues for an exclusive lock on chunk_vectors, and every
      // insert and search queues behind it for as long as any transaction writing chunks (a long text) is open.
      await run(`drop index ${client ? 'concurrently ' : ''}if exists ${this.schema}."${leftover}"`);
    }
    const partitions = await this.partitions.read(em);
    const plan = await this.planNext(em, partitions);
    if (!plan) return undefined;
    const started = Date.now();
    const built = await this.build(plan, em, run, client !== undefined, partitions);
    await this.catalog.replace(plan.replaces, built);
    if (plan.replaces.length === 0) this.sealedDuringLoad = plan.duringLoad === true;
    // Fresh statistics, or the planner may take a new segment's range for a few rows and scan it exactly.
    await this.statistics.refresh(em, partitions, plan);
    for (const old of plan.replaces) await run(`drop index ${client ? 'concurrently ' : ''}if exists ${this.schema}."${old.indexName}"`);
    this.logger.log(
      `Built vector index segment ${built.indexName} (${built.chunkCount} chunks${plan.replaces.length ? `, merging ${plan.replaces.length} segments` : ''}) in ${Date.now() - started} ms`,
    );
    return plan;
  }

  private get schema(): string {
    return `"${this.em.config.get('schema')}"`;
  }

  /** Builds the segment's index on its partition: the only rows the build reads. */
  private async build(
    plan: BuildPlan,
    em: SqlEntityManager,
    run: (sql: string) => Promise<void>,
    concurrently: boolean,
    partitions: readonly ChunkPartition[],
  ): Promise<IndexSegment> {
    const name = segmentIndexName(plan.seqFrom, plan.seqTo);
    const partition = partitionOf(plan.seqTo, partitions);
    // On the partitioned table itself, CREATE INDEX would build on every partition.
    if (!partition) throw new Error(`No partition of chunk_vectors holds seq ${plan.seqTo}`);
    const table = `${this.schema}."${partition.name}"`;
    // A larger maintenance_work_mem keeps the graph in memory during the build: several times faster.
    await run(`set maintenance_work_mem = '${this.config.INDEX_BUILD_MEMORY_MB}MB'`);
    // pgvector 0.6.0–0.8.1 has CVE-2026-3172 in parallel HNSW builds: build serially.
    await run(`set max_parallel_maintenance_workers = 0`);
    try {
      await run(
        `create index ${concurrently ? 'concurrently ' : ''}"${name}" on ${table} using ${HNSW_INDEX_METHOD} where ${segmentCondition(plan)}`,
      );
    } catch (error) {
      // A failed CREATE INDEX CONCURRENTLY leaves an invalid index behind.
      await run(`drop index if exists ${this.schema}."${name}"`).catch(() => undefined);
      throw error;
    } finally {
      if (!concurrently) await run('reset maintenance_work_mem; reset max_parallel_maintenance_workers').catch(() => undefined);
    }
    const [row] = await em.execute<{ n: string | number }[]>(`select count(*) as n from ${this.table} where ${segmentCondition(plan)}`);
    return { indexName: name, seqFrom: plan.seqFrom, seqTo: plan.seqTo, chunkCount: Number(row.n) };
  }

  private async planNext(em: SqlEntityManager, partitions?: readonly ChunkPartition[]): Promise<BuildPlan | undefined> {
    const segments = await this.catalog.read(em);
    return nextBuild(segments, await this.tail(em, segments), this.policy, partitions ?? (await this.partitions.read(em)));
  }

  /**
   * Segment indexes no segment row names: left by a build that did not finish (only the lock holder builds).
   * Dropped, because even an invalid index is kept up to date by every insert.
   */
  private async leftovers(em: SqlEntityManager): Promise<string[]> {
    const rows = await em.execute<{ indexname: string }[]>(
      `select indexname from pg_indexes
        where schemaname = ? and indexname like ?
          and indexname not in (select index_name from ${tableName(em, 'vector_index_segments')})`,
      [em.config.get('schema'), `${SEGMENT_INDEX_PREFIX}%`],
    );
    return rows.map((r) => r.indexname);
  }
}
