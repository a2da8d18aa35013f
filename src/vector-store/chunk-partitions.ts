import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { AppConfig } from '../config/app-config';
import { FailureStreak } from '../database/failure-streak';
import { SqlEntityManager, tableName } from '../database/sql';

/**
 * One partition of chunk_vectors: the chunks whose `seq` is in (seqFrom, seqTo], as a segment's range is
 * written. Segments never cross a partition's end, so each HNSW build reads one partition, not the table.
 */
export interface ChunkPartition {
  name: string;
  seqFrom: number;
  seqTo: number;
}

export const partitionName = (seqFrom: number, seqTo: number) => `chunk_vectors_p${Math.trunc(seqFrom)}_${Math.trunc(seqTo)}`;

/** The partition holding `seq`, if there is one. */
export const partitionOf = (seq: number, partitions: readonly ChunkPartition[]) => partitions.find((p) => seq > p.seqFrom && seq <= p.seqTo);

/** Empty partitions kept ahead of the newest chunk: inserts never find no partition for their seq. */
export const PARTITIONS_AHEAD = 2;

/** The ranges to add after `partitions` so that at least PARTITIONS_AHEAD x `width` seq values follow `lastSeq`. */
export function partitionsToAdd(partitions: readonly ChunkPartition[], lastSeq: number, width: number): { seqFrom: number; seqTo: number }[] {
  const added: { seqFrom: number; seqTo: number }[] = [];
  for (let end = partitions.at(-1)?.seqTo ?? 0; end < lastSeq + PARTITIONS_AHEAD * width; end += width) {
    added.push({ seqFrom: end, seqTo: end + width });
  }
  return added;
}

/** `FOR VALUES FROM ('1') TO ('200001')` (pg_get_expr of a range bound) as the (seqFrom, seqTo] it covers. */
export function parseBound(name: string, bound: string): ChunkPartition {
  const match = /FROM \('?(-?\d+)'?\) TO \('?(-?\d+)'?\)/.exec(bound);
  if (!match) throw new Error(`chunk_vectors partition ${name} has an unexpected bound: ${bound}`);
  return { name, seqFrom: Number(match[1]) - 1, seqTo: Number(match[2]) - 1 };
}

/**
 * The statements that add the partition for (seqFrom, seqTo]: created on its own, then attached, because
 * CREATE TABLE ... PARTITION OF locks the whole table against reads and writes, while ATTACH PARTITION takes
 * only a lock that inserts and searches do not wait for. Rows up to a page stay in line (toast_tuple_target;
 * see the chunk_rows_inline migration).
 */
export function addPartitionSql(schema: string, range: { seqFrom: number; seqTo: number }): string[] {
  const name = `"${schema}"."${partitionName(range.seqFrom, range.seqTo)}"`;
  return [
    `create table ${name} (like "${schema}".chunk_vectors including defaults including generated including storage) with (toast_tuple_target = 8160)`,
    `alter table "${schema}".chunk_vectors attach partition ${name} for values from (${Math.trunc(range.seqFrom) + 1}) to (${Math.trunc(range.seqTo) + 1})`,
  ];
}

const INTERVAL_NAME = 'chunk-partitions';
const CHECK_EVERY_MS = 1000;
/** Held while partitions are added, so two instances never add the same one (the indexer's key is another). */
const PARTITIONS_LOCK_KEY = 7_460_146_531;
/** Attaching waits at most this long for a lock (the foreign key's on ingestion_requests); the next check tries again. */
const LOCK_TIMEOUT_MS = 1000;

/**
 * Keeps PARTITIONS_AHEAD empty partitions of INDEX_PARTITION_CHUNKS after the newest chunk: at boot, before
 * each claim (IntakeGate.mayClaim), and every second in workers (a long text writes for a while). A chunk that
 * still found no partition fails its attempt, which is retried.
 */
@Injectable()
export class ChunkPartitions implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ChunkPartitions.name);
  private readonly failures = new FailureStreak(this.logger, 'Adding chunk partitions');
  private running?: Promise<void>;
  /** Where the last partition ends, as last read: most checks then need only the newest seq. */
  private knownEnd = 0;

  constructor(
    private readonly em: SqlEntityManager,
    private readonly config: AppConfig,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.check().catch((e: unknown) => this.failures.failed(e));
    if (!this.config.POLLER_ENABLED) return;
    this.scheduler.addInterval(
      INTERVAL_NAME,
      setInterval(
        () =>
          void this.check().then(
            () => this.failures.succeeded(),
            (e: unknown) => this.failures.failed(e),
          ),
        CHECK_EVERY_MS,
      ),
    );
  }

  beforeApplicationShutdown(): void {
    if (this.scheduler.doesExist('interval', INTERVAL_NAME)) this.scheduler.deleteInterval(INTERVAL_NAME);
  }

  /** The partitions, ordered by range. */
  async read(em: SqlEntityManager = this.em.fork()): Promise<ChunkPartition[]> {
    const rows = await em.execute<{ name: string; bound: string }[]>(
      `select c.relname as name, pg_get_expr(c.relpartbound, c.oid) as bound
         from pg_inherits i join pg_class c on c.oid = i.inhrelid
        where i.inhparent = ?::regclass`,
      [tableName(em, 'chunk_vectors')],
    );
    return rows.map((r) => parseBound(r.name, r.bound)).sort((a, b) => a.seqFrom - b.seqFrom);
  }

  /** Adds the partitions the newest chunk calls for, if any. */
  check(): Promise<void> {
    this.running ??= this.addMissing().finally(() => (this.running = undefined));
    return this.running;
  }

  private async addMissing(): Promise<void> {
    const em = this.em.fork();
    const [row] = await em.execute<{ last_seq: string | number | null }[]>(`select max(seq) as last_seq from ${tableName(em, 'chunk_vectors')}`);
    const lastSeq = Number(row.last_seq ?? 0);
    if (this.knownEnd >= lastSeq + PARTITIONS_AHEAD * this.config.INDEX_PARTITION_CHUNKS) return;
    this.knownEnd = await em.transactional(async (tx) => {
      await tx.execute('select pg_advisory_xact_lock(?)', [PARTITIONS_LOCK_KEY]);
      if (!this.config.usesEmbeddedDatabase) await tx.execute(`set local lock_timeout = ${LOCK_TIMEOUT_MS}`);
      const partitions = await this.read(tx);
      const schema = String(tx.config.get('schema'));
      for (const range of partitionsToAdd(partitions, lastSeq, this.config.INDEX_PARTITION_CHUNKS)) {
        for (const sql of addPartitionSql(schema, range)) await tx.execute(sql);
        this.logger.log(`Added chunk partition ${partitionName(range.seqFrom, range.seqTo)}`);
        partitions.push({ name: partitionName(range.seqFrom, range.seqTo), ...range });
      }
      return partitions.at(-1)?.seqTo ?? 0;
    });
  }
}
