import { EntityRepository } from '@mikro-orm/sql';
import { AppError } from '../common/errors/app-error';
import { executeBound, tableName, SqlEntityManager } from '../database/sql';
import type { IngestionRequest } from './ingestion-request.entity';
import type { TextUpload } from '../common/text-upload';
import { IngestionStatus } from './ingestion-status';

/**
 * Texts up to this many characters travel with the claim and are processed in memory, in batches. A longer
 * one is read in parts (openTextParts) and processed window by window: a claim never carries megabytes.
 */
export const CLAIMED_TEXT_LIMIT = 262_144;

/** What a worker needs to process one claimed request. */
export interface ClaimedRequest {
  id: string;
  /** The text, when it is at most CLAIMED_TEXT_LIMIT characters long; longer texts are read in parts. */
  text?: string;
  /** Its length in UTF-16 code units (JavaScript's `length`). */
  textLength: number;
  chunking: IngestionRequest['chunking'];
  collection: string;
  sourceMetadata: Record<string, unknown>;
  pageStarts?: number[] | null;
  attempts: number;
  maxAttempts: number;
  /** Set when the request is a version of a client document (of its collection). */
  document?: { id: string; version: number };
}

/** A request's result: how many chunks it stored. */
export interface Completion {
  id: string;
  chunkCount: number;
}

/** A client document: its id is unique within its collection. */
export interface DocumentRef {
  collection: string;
  id: string;
}

interface ClaimedRow {
  id: string;
  text: string | null;
  text_length: number;
  chunking: IngestionRequest['chunking'];
  collection: string;
  source_metadata: Record<string, unknown>;
  page_starts: number[] | null;
  attempts: number;
  max_attempts: number;
  document_id: string | null;
  document_version: number | null;
}

/** A new row as StatusService.submit builds it. */
export interface NewRequestRow {
  id: string;
  text: string | TextUpload;
  sourceMetadata: Record<string, unknown>;
  collection: string;
  chunking: IngestionRequest['chunking'];
  pageStarts: number[] | null;
  maxAttempts: number;
  idempotencyKey: string | null;
  idempotencyCaller: string | null;
  requestHash: string | null;
  documentId: string | null;
  documentVersion: number | null;
  contentHash: string | null;
}

/** An Idempotency-Key as it is unique: per caller (API key id, '' without keys) and collection. */
export interface IdempotencyScope {
  key: string;
  caller: string;
  collection: string;
}

/** Just enough of an existing row to decide whether a submission repeats it. */
export interface ExistingRequest {
  id: string;
  status: IngestionStatus;
  request_hash: string | null;
  content_hash: string | null;
}

/**
 * Bytes of a long text read at a time: a part, as a string, stays below V8's 128 KB limit for young objects.
 * Larger strings go straight to the old generation, where a 50 MB text's parts pile up as garbage until a
 * full collection.
 */
const TEXT_PART_BYTES = 32 * 1024;
const TEXT_CURSOR = 'long_text_parts';
/** The owner of a revoked claim: no worker has this id, so the claim's worker can no longer complete. */
const REVOKED_CLAIM = 'revoked';
const utf8 = new TextDecoder('utf-8');

/** The characters that start in the first TEXT_PART_BYTES of `bytes` (which holds 3 more, for the last one's tail). */
function decodePart(bytes: Uint8Array): string {
  const continues = (i: number) => i < bytes.length && (bytes[i] & 0xc0) === 0x80;
  let start = 0;
  while (continues(start)) start++; // the tail of a character that started in the previous part
  let end = Math.min(TEXT_PART_BYTES, bytes.length);
  while (continues(end)) end++;
  return utf8.decode(bytes.subarray(start, end));
}

/** Where a page of the ingestion listing resumes: strictly after this row, in the listing's order. */
export interface IngestionPageKey {
  /** created_at to the microsecond, in UTC (`2026-12-02T10:00:00.123456Z`): a JavaScript Date keeps only milliseconds. */
  createdAt: string;
  id: string;
}

/** One page of the listing: which requests, in what order, after which row. */
export interface IngestionListing {
  /** Only these collections; every collection when null. */
  collections: readonly string[] | null;
  status?: IngestionStatus;
  documentId?: string;
  /** created_at at or after this instant (ISO 8601). */
  createdAfter?: string;
  /** created_at before this instant (ISO 8601). */
  createdBefore?: string;
  after?: IngestionPageKey;
  /** desc: newest first. */
  order: 'asc' | 'desc';
  limit: number;
}

export interface IngestionPage {
  requests: IngestionRequest[];
  /** The last request's key when more follow; undefined on the last page. */
  next?: IngestionPageKey;
}

/** Requests of one collection by status, and when one of them last changed. */
export interface CollectionSummary {
  collection: string;
  counts: Record<IngestionStatus, number>;
  updatedAt: Date;
}

/**
 * The statement behind listPage, with `?` parameters (exported so a test can EXPLAIN exactly it). The order
 * is (created_at, id), which the (created_at, id) and (collection, created_at, id) indexes hold, so a page is
 * an index range scan that stops after limit + 1 rows (one more, to know whether a next page exists), with
 * no sort, whatever the table's size and however deep the page; descending walks the same indexes backwards.
 */
export function ingestionPageQuery(table: string, columns: string, listing: IngestionListing): { sql: string; params: unknown[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const where = (condition: string, ...values: unknown[]) => {
    conditions.push(condition);
    params.push(...values);
  };
  const { collections, after } = listing;
  if (collections) where(collections.length > 0 ? `collection in (${collections.map(() => '?').join(', ')})` : 'false', ...collections);
  if (listing.status !== undefined) where('status = ?', listing.status);
  if (listing.documentId !== undefined) where('document_id = ?', listing.documentId);
  if (listing.createdAfter !== undefined) where('created_at >= ?::timestamptz', listing.createdAfter);
  if (listing.createdBefore !== undefined) where('created_at < ?::timestamptz', listing.createdBefore);
  const direction = listing.order === 'desc' ? 'desc' : 'asc';
  // A row comparison, not `a < x or (a = x and id < y)`: the planner turns it into one index range bound.
  if (after) where(`(created_at, id) ${direction === 'desc' ? '<' : '>'} (?::timestamptz, ?::uuid)`, after.createdAt, after.id);
  const sql = `select ${columns}, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as page_at
       from ${table}
      where ${conditions.length > 0 ? conditions.join(' and ') : 'true'}
      order by created_at ${direction}, id ${direction}
      limit ?`;
  return { sql, params: [...params, Math.trunc(listing.limit) + 1] };
}

/**
 * Every write to ingestion_requests. Transitions are single UPDATE statements guarded by the expected
 * status and lock owner, so a worker that lost its lease can never overwrite another worker's result.
 */
export class IngestionRequestRepository extends EntityRepository<IngestionRequest> {
  private get table(): string {
    return tableName(this.em, 'ingestion_requests');
  }

  async findByIdOrFail(id: string): Promise<IngestionRequest> {
    const request = await this.findOne({ id }, { refresh: true });
    if (!request) throw AppError.notFound(id);
    return request;
  }

  /**
   * Claims up to `limit` due requests for `workerId`: accepted ones whose next attempt is due, and running
   * ones whose lock is older than the lease (their worker died). SKIP LOCKED lets several instances claim
   * concurrently without waiting on, or double-claiming, each other's rows.
   */
  async claimBatch(workerId: string, limit: number, leaseMs: number): Promise<ClaimedRequest[]> {
    const rows = await this.em.execute<ClaimedRow[]>(
      `update ${this.table} set status = 'running', attempts = attempts + 1, locked_at = now(), locked_by = ?,
              started_at = coalesce(started_at, now()), updated_at = now()
        where id in (
          select id from ${this.table}
           where (status = 'accepted' and next_attempt_at <= now())
              or (status = 'running' and locked_at < now() - make_interval(secs => ?))
           order by next_attempt_at
           limit ?
           for update skip locked)
        returning id, case when text_length <= ? then text end as text, text_length, chunking, collection, source_metadata,
                  page_starts, attempts, max_attempts, document_id, document_version`,
      [workerId, leaseMs / 1000, limit, CLAIMED_TEXT_LIMIT],
    );
    return rows.map((r) => ({
      id: r.id,
      ...(r.text !== null ? { text: r.text } : {}),
      textLength: r.text_length,
      chunking: r.chunking,
      collection: r.collection,
      sourceMetadata: r.source_metadata,
      pageStarts: r.page_starts,
      attempts: r.attempts,
      maxAttempts: r.max_attempts,
      ...(r.document_id !== null && r.document_version !== null ? { document: { id: r.document_id, version: r.document_version } } : {}),
    }));
  }

  /**
   * Inserts a new accepted request, due now, and returns its creation time. Returns undefined, writing
   * nothing, when another request already holds its idempotency key: the unique index makes a concurrent
   * duplicate wait for the first insert's commit and then do nothing, so exactly one row exists per key.
   * The text is a bound parameter (never inlined into the statement: no escaped copy of megabytes); an
   * upload goes through a large object, part by part, so it is never held whole here.
   */
  async insertAccepted(tx: SqlEntityManager, row: NewRequestRow): Promise<Date | undefined> {
    const upload = typeof row.text === 'string' ? undefined : await this.writeLargeObject(tx, row.text.bytes());
    const [inserted] = await executeBound<{ created_at: Date | string }>(
      tx,
      `insert into ${this.table} (id, status, text, text_length, source_metadata, collection, chunking, page_starts, attempts,
              max_attempts, next_attempt_at, created_at, updated_at, idempotency_key, idempotency_caller, request_hash, document_id,
              document_version, content_hash)
       values ($1, 'accepted', ${upload === undefined ? '$2' : `convert_from(lo_get($2::oid), 'UTF8')`}, $3, $4::jsonb, $5, $6::jsonb,
               $7::jsonb, 0, $8, now(), now(), now(), $9, $10, $11, $12, $13, $14)
       on conflict (idempotency_key, idempotency_caller, collection) do nothing
       returning created_at`,
      [
        row.id,
        upload ?? row.text,
        row.text.length,
        JSON.stringify(row.sourceMetadata),
        row.collection,
        JSON.stringify(row.chunking),
        row.pageStarts ? JSON.stringify(row.pageStarts) : null,
        row.maxAttempts,
        row.idempotencyKey,
        row.idempotencyCaller,
        row.requestHash,
        row.documentId,
        row.documentVersion,
        row.contentHash,
      ],
    );
    if (upload !== undefined) await executeBound(tx, `select lo_unlink($1::oid)`, [upload]);
    return inserted ? new Date(inserted.created_at) : undefined;
  }

  /**
   * Inserts new accepted requests without document or Idempotency-Key in one statement (arrays through
   * unnest); returns their creation time, the transaction's (undefined for no rows).
   */
  async insertAcceptedBatch(tx: SqlEntityManager, rows: readonly NewRequestRow[]): Promise<Date | undefined> {
    if (rows.length === 0) return undefined;
    const [inserted] = await executeBound<{ created_at: Date | string }>(
      tx,
      `insert into ${this.table} (id, status, text, text_length, source_metadata, collection, chunking, page_starts, attempts,
              max_attempts, next_attempt_at, created_at, updated_at, content_hash)
       select id, 'accepted', text, text_length, source_metadata, collection, chunking, null, 0, max_attempts, now(), now(), now(), content_hash
         from unnest($1::uuid[], $2::text[], $3::int[], $4::jsonb[], $5::text[], $6::jsonb[], $7::int[], $8::text[])
                as r (id, text, text_length, source_metadata, collection, chunking, max_attempts, content_hash)
       returning created_at`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.text as string),
        rows.map((r) => r.text.length),
        rows.map((r) => JSON.stringify(r.sourceMetadata)),
        rows.map((r) => r.collection),
        rows.map((r) => JSON.stringify(r.chunking)),
        rows.map((r) => r.maxAttempts),
        rows.map((r) => r.contentHash),
      ],
    );
    return new Date(inserted.created_at);
  }

  /** A new large object holding the bytes, written part by part; returns its oid. */
  private async writeLargeObject(tx: SqlEntityManager, bytes: AsyncIterable<Uint8Array>): Promise<number> {
    const [{ oid }] = await executeBound<{ oid: number | string }>(tx, `select lo_from_bytea(0, ''::bytea) as oid`, []);
    let offset = 0;
    for await (const part of bytes) {
      await executeBound(tx, `select lo_put($1::oid, $2::bigint, $3::bytea)`, [oid, offset, part]);
      offset += part.length;
    }
    return Number(oid);
  }

  /**
   * Reads a request's text in parts, in `tx`: part i is the characters that start in bytes [i·P, (i+1)·P) of
   * its UTF-8 form (P = TEXT_PART_BYTES). A scroll cursor over those bytes, so PostgreSQL detoasts the text
   * once (`substr` by characters would decompress it from its start for every part: minutes for 50 MB).
   */
  async openTextParts(tx: SqlEntityManager, id: string): Promise<(index: number) => Promise<string>> {
    await tx.execute(
      // offset 0 keeps the subquery from being flattened, which would convert the whole text again for each part.
      `declare ${TEXT_CURSOR} scroll cursor for
         select substring(b from g * ${TEXT_PART_BYTES} + 1 for ${TEXT_PART_BYTES + 3}) as part
           from (select convert_to(text, 'UTF8') as b from ${this.table} where id = ? offset 0) as t,
                generate_series(0, (octet_length(b) - 1) / ${TEXT_PART_BYTES}) as g`,
      [id],
    );
    return async (index) => {
      const [row] = await tx.execute<{ part: Uint8Array }[]>(`fetch absolute ${Math.trunc(index) + 1} from ${TEXT_CURSOR}`);
      return row ? decodePart(row.part) : '';
    };
  }

  /** The request made earlier with this Idempotency-Key by this caller in this collection. */
  async findByIdempotencyKey(tx: SqlEntityManager, { key, caller, collection }: IdempotencyScope): Promise<ExistingRequest | undefined> {
    const [row] = await tx.execute<ExistingRequest[]>(
      `select id, status, request_hash, content_hash from ${this.table}
        where idempotency_key = ? and idempotency_caller = ? and collection = ?`,
      [key, caller, collection],
    );
    return row;
  }

  /**
   * Serialises everything that decides a document's versions (submitting one, completing one) until the
   * transaction ends. A transaction-scoped advisory lock, because the document may have no row yet.
   */
  async lockDocument(tx: SqlEntityManager, document: DocumentRef): Promise<void> {
    // JSON keeps the pair unambiguous whatever characters the document id holds.
    const key = JSON.stringify(['ingestion-document', document.collection, document.id]);
    await tx.execute(`select pg_advisory_xact_lock(hashtextextended(?, 0))`, [key]);
  }

  /** The version a new submission is compared with: the newest one that is pending, running or completed. */
  async findCurrentVersion(tx: SqlEntityManager, document: DocumentRef): Promise<ExistingRequest | undefined> {
    const [row] = await tx.execute<ExistingRequest[]>(
      `select id, status, request_hash, content_hash from ${this.table}
        where collection = ? and document_id = ? and status in ('accepted', 'running', 'completed')
        order by document_version desc limit 1`,
      [document.collection, document.id],
    );
    return row;
  }

  async nextDocumentVersion(tx: SqlEntityManager, document: DocumentRef): Promise<number> {
    const [row] = await tx.execute<{ version: number }[]>(
      `select coalesce(max(document_version), 0) + 1 as version from ${this.table} where collection = ? and document_id = ?`,
      [document.collection, document.id],
    );
    return Number(row.version);
  }

  /** The id of a completed version newer than `version`, if there is one. Call under lockDocument. */
  async findNewerCompletedVersion(tx: SqlEntityManager, document: DocumentRef, version: number): Promise<string | undefined> {
    const [row] = await tx.execute<{ id: string }[]>(
      `select id from ${this.table}
        where collection = ? and document_id = ? and document_version > ? and status = 'completed' limit 1`,
      [document.collection, document.id, version],
    );
    return row?.id;
  }

  /**
   * Marks the completed and still-pending versions older than `version` superseded by `byId`; returns their
   * ids so the caller can drop their chunks in the same transaction. Running ones are left to their worker,
   * which will find this newer version when it completes.
   */
  async supersedeOlderVersions(tx: SqlEntityManager, document: DocumentRef, version: number, byId: string): Promise<string[]> {
    const rows = await tx.execute<{ id: string }[]>(
      `update ${this.table} set status = 'superseded', superseded_by = ?, chunk_count = 0, updated_at = now()
        where collection = ? and document_id = ? and document_version < ? and status in ('accepted', 'completed') returning id`,
      [byId, document.collection, document.id, version],
    );
    return rows.map((r) => r.id);
  }

  /** running → superseded, for a version that finished after a newer one had already completed. */
  async markSupersededWhileRunning(tx: SqlEntityManager, id: string, workerId: string, byId: string): Promise<boolean> {
    const rows = await tx.execute(
      `update ${this.table} set status = 'superseded', superseded_by = ?, chunk_count = 0, error_message = null,
              completed_at = now(), locked_at = null, locked_by = null, updated_at = now()
        where id = ? and status = 'running' and locked_by = ? returning id`,
      [byId, id, workerId],
    );
    return rows.length === 1;
  }

  /**
   * The heartbeat: renews the lock on the requests `workerId` is still working on, so a slow but live
   * worker is never taken for a dead one. Returns how many it still holds.
   */
  async renewLocks(workerId: string, ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const rows = await this.em.execute(
      `update ${this.table} set locked_at = now()
        where status = 'running' and locked_by = ? and id in (${ids.map(() => '?').join(', ')}) returning id`,
      [workerId, ...ids],
    );
    return rows.length;
  }

  /**
   * running → completed for each request `workerId` still holds, in the caller's transaction (the one that
   * stores the chunks), in one statement. Returns the ids it completed with their accepted → completed seconds.
   */
  async markCompleted(tx: SqlEntityManager, workerId: string, completions: readonly Completion[]): Promise<Map<string, number>> {
    const rows = await executeBound<{ id: string; seconds: string | number }>(
      tx,
      `update ${this.table} as r set status = 'completed', chunk_count = c.chunk_count, error_message = null, completed_at = now(),
              locked_at = null, locked_by = null, updated_at = now()
         from unnest($1::uuid[], $2::int[]) as c (id, chunk_count)
        where r.id = c.id and r.status = 'running' and r.locked_by = $3
        returning r.id, extract(epoch from now() - r.created_at) as seconds`,
      [completions.map((c) => c.id), completions.map((c) => c.chunkCount), workerId],
    );
    return new Map(rows.map((r) => [r.id, Number(r.seconds)]));
  }

  /** running → accepted again, due at `nextAttemptAt`; keeps the error so status shows why it is retrying. */
  async scheduleRetry(id: string, workerId: string, errorMessage: string, nextAttemptAt: Date): Promise<boolean> {
    return this.transitionFromRunning(id, workerId, IngestionStatus.Accepted, errorMessage, nextAttemptAt);
  }

  /** running → failed, for good. */
  async markFailed(id: string, workerId: string, errorMessage: string): Promise<boolean> {
    return this.transitionFromRunning(id, workerId, IngestionStatus.Failed, errorMessage, null);
  }

  /**
   * running → accepted, without counting the attempt, for what `workerId` holds (graceful shutdown) or, with
   * no worker given, for every running request (the embedded database, which only one process can open).
   */
  async releaseRunning(workerId?: string): Promise<number> {
    const rows = await this.em.execute(
      `update ${this.table} set status = 'accepted', attempts = greatest(attempts - 1, 0), locked_at = null,
              locked_by = null, next_attempt_at = now(), updated_at = now()
        where status = 'running' and (?::text is null or locked_by = ?) returning id`,
      [workerId ?? null, workerId ?? null],
    );
    return rows.length;
  }

  /** running → accepted, due now, for what `workerId` holds; the attempt stays counted (see IngestionPoller.requeueOrphans). */
  async requeueRunning(workerId: string): Promise<number> {
    const rows = await this.em.execute(
      `update ${this.table} set status = 'accepted', locked_at = null, locked_by = null, next_attempt_at = now(), updated_at = now()
        where status = 'running' and locked_by = ? returning id`,
      [workerId],
    );
    return rows.length;
  }

  async lockCollectionOf(tx: SqlEntityManager, id: string): Promise<string | undefined> {
    const [row] = await tx.execute<{ collection: string }[]>(`select collection from ${this.table} where id = ? for update`, [id]);
    return row?.collection;
  }

  /** Locks every request of the collection for the rest of `tx`. */
  async lockCollection(tx: SqlEntityManager, collection: string): Promise<void> {
    await tx.execute(`select id from ${this.table} where collection = ? for update`, [collection]);
  }

  async findCollection(id: string): Promise<string | undefined> {
    const [row] = await this.em.execute<{ collection: string }[]>(`select collection from ${this.table} where id = ?`, [id]);
    return row?.collection;
  }

  async isHeldBy(tx: SqlEntityManager, id: string, workerId: string): Promise<boolean> {
    const rows = await tx.execute(`select 1 from ${this.table} where id = ? and status = 'running' and locked_by = ?`, [id, workerId]);
    return rows.length === 1;
  }

  /**
   * Takes running requests (one, or a collection's) away from their workers, which notice at their next
   * window (see isHeldBy) and roll back. The lock time stays: should the delete that follows not happen,
   * the request is reclaimed once its lease expires, as a dead worker's would be.
   */
  async revokeClaims(target: { id: string } | { collection: string }): Promise<void> {
    const [column, value] = 'id' in target ? ['id', target.id] : ['collection', target.collection];
    await this.em.execute(`update ${this.table} set locked_by = ?, updated_at = now() where status = 'running' and ${column} = ?`, [
      REVOKED_CLAIM,
      value,
    ]);
  }

  /** accepted or running → cancelled (a running one's worker lost its claim already); returns whether it moved. */
  async markCancelled(id: string): Promise<boolean> {
    const rows = await this.em.execute(
      `update ${this.table} set status = 'cancelled', locked_at = null, locked_by = null, completed_at = now(), updated_at = now()
        where id = ? and status in ('accepted', 'running') returning id`,
      [id],
    );
    return rows.length === 1;
  }

  /**
   * failed → accepted, due now, attempts from 0 (the last error stays until the next attempt); one by id, or
   * those of the given collections (null: all) whose error contains `errorContains`. Returns the ids moved.
   */
  async requeueFailed(target: { id: string } | { collections: readonly string[] | null; errorContains?: string }): Promise<string[]> {
    const conditions: string[] = [];
    const params: unknown[] = [];
    if ('id' in target) {
      conditions.push('id = ?');
      params.push(target.id);
    } else {
      const { collections, errorContains } = target;
      if (collections) conditions.push(collections.length > 0 ? `collection in (${collections.map(() => '?').join(', ')})` : 'false');
      if (collections) params.push(...collections);
      if (errorContains !== undefined) conditions.push('strpos(error_message, ?) > 0');
      if (errorContains !== undefined) params.push(errorContains);
    }
    const rows = await this.em.execute<{ id: string }[]>(
      `update ${this.table} set status = 'accepted', attempts = 0, next_attempt_at = now(), completed_at = null, updated_at = now()
        where status = 'failed'${conditions.map((c) => ` and ${c}`).join('')} returning id`,
      params,
    );
    return rows.map((r) => r.id);
  }

  /** Deletes the request; its chunks go with it (on delete cascade). Returns whether it existed. */
  async deleteById(tx: SqlEntityManager, id: string): Promise<boolean> {
    const rows = await tx.execute(`delete from ${this.table} where id = ? returning id`, [id]);
    return rows.length === 1;
  }

  /** Deletes every request of the collection (their chunks go with them); returns how many there were. */
  async deleteByCollection(tx: SqlEntityManager, collection: string): Promise<number> {
    const rows = await tx.execute(`delete from ${this.table} where collection = ? returning id`, [collection]);
    return rows.length;
  }

  /** A page of requests (without their texts), in (created_at, id) order, resuming after `listing.after`. */
  async listPage(listing: IngestionListing): Promise<IngestionPage> {
    const { sql, params } = ingestionPageQuery(this.table, this.listedColumns, listing);
    const rows = await this.em.execute<(Record<string, unknown> & { page_at: string })[]>(sql, params);
    const page = rows.slice(0, listing.limit);
    const last = page.at(-1);
    return {
      requests: page.map(({ page_at: _, ...row }) => this.map(row)),
      next: rows.length > listing.limit && last ? { createdAt: last.page_at, id: last.id as string } : undefined,
    };
  }

  /** The columns a read of the entity loads (every one but the lazy text), as the listing selects them. */
  get listedColumns(): string {
    const meta = this.em.getMetadata().get(this.entityName);
    return meta.props
      .filter((prop) => !prop.lazy && prop.persist !== false)
      .flatMap((prop) => prop.fieldNames)
      .join(', ');
  }

  /**
   * Every collection that has requests (of `collections` only, unless null), by name: how many requests it
   * has in each status and its newest updated_at. One pass over the requests, grouped.
   */
  async summarizeCollections(tx: SqlEntityManager, collections: readonly string[] | null): Promise<CollectionSummary[]> {
    if (collections?.length === 0) return [];
    const statuses = Object.values(IngestionStatus);
    const rows = await tx.execute<Record<string, string | number | Date>[]>(
      `select collection, ${statuses.map((status) => `count(*) filter (where status = '${status}') as "${status}"`).join(', ')},
              max(updated_at) as updated_at
         from ${this.table}
        ${collections ? `where collection in (${collections.map(() => '?').join(', ')})` : ''}
        group by collection
        order by collection`,
      collections ? [...collections] : [],
    );
    return rows.map((row) => ({
      collection: String(row.collection),
      counts: Object.fromEntries(statuses.map((status) => [status, Number(row[status])])) as Record<IngestionStatus, number>,
      updatedAt: new Date(row.updated_at),
    }));
  }

  private async transitionFromRunning(
    id: string,
    workerId: string,
    to: IngestionStatus.Accepted | IngestionStatus.Failed,
    errorMessage: string,
    nextAttemptAt: Date | null,
  ): Promise<boolean> {
    const rows = await this.em.execute(
      `update ${this.table} set status = ?, error_message = ?, next_attempt_at = coalesce(?, next_attempt_at),
              completed_at = case when ? = 'failed' then now() end, locked_at = null, locked_by = null, updated_at = now()
        where id = ? and status = 'running' and locked_by = ? returning id`,
      [to, errorMessage.slice(0, 4000), nextAttemptAt, to, id, workerId],
    );
    return rows.length === 1;
  }
}
