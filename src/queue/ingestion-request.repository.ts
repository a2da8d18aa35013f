import { EntityRepository } from '@mikro-orm/sql';
import { AppError } from '../common/errors/app-error';
import { executeBound, SqlEntityManager } from '../database/sql';
import type { IngestionRequest } from './ingestion-request.entity';
import { IngestionStatus } from './ingestion-status';
import { type AttemptRow, listAttempts } from './sql/attempts';
import { jobsTable } from './sql/jobs';

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
 * The statement behind listPage, with `$n` parameters (exported so a test can EXPLAIN exactly it). The order
 * is (created_at, id), which the (created_at, id) and (collection, created_at, id) indexes hold, so a page is
 * an index range scan that stops after limit + 1 rows (one more, to know whether a next page exists), with
 * no sort, whatever the table's size and however deep the page; descending walks the same indexes backwards.
 */
export function ingestionPageQuery(table: string, columns: string, listing: IngestionListing): { sql: string; params: unknown[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  /** `condition` with its `$` placeholders numbered in order. */
  const where = (condition: string, ...values: unknown[]) => {
    conditions.push(condition.replace(/\$/g, () => `$${params.push(values.shift())}`));
  };
  const { collections, after } = listing;
  // One collection as an equality: with `= any(array)` the planner no longer takes the index's order for the sort.
  if (collections?.length === 1) where('collection = $', collections[0]);
  else if (collections) where('collection = any($::text[])', collections);
  if (listing.status !== undefined) where('status = $', listing.status);
  if (listing.documentId !== undefined) where('document_id = $', listing.documentId);
  if (listing.createdAfter !== undefined) where('created_at >= $::timestamptz', listing.createdAfter);
  if (listing.createdBefore !== undefined) where('created_at < $::timestamptz', listing.createdBefore);
  const direction = listing.order === 'desc' ? 'desc' : 'asc';
  // A row comparison, not `a < x or (a = x and id < y)`: the planner turns it into one index range bound.
  if (after) where(`(created_at, id) ${direction === 'desc' ? '<' : '>'} ($::timestamptz, $::uuid)`, after.createdAt, after.id);
  params.push(Math.trunc(listing.limit) + 1);
  const sql = `select ${columns}, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as page_at
       from ${table}
      where ${conditions.length > 0 ? conditions.join(' and ') : 'true'}
      order by created_at ${direction}, id ${direction}
      limit $${params.length}`;
  return { sql, params };
}

/** Reads of the request rows, and their deletes; status transitions are JobQueue's (src/queue/sql). */
export class IngestionRequestRepository extends EntityRepository<IngestionRequest> {
  async findByIdOrFail(id: string): Promise<IngestionRequest> {
    const request = await this.findOne({ id }, { refresh: true });
    if (!request) throw AppError.notFound(id);
    return request;
  }

  async findCollection(id: string): Promise<string | undefined> {
    const [row] = await executeBound<{ collection: string }>(this.em, `select collection from ${jobsTable(this.em)} where id = $1`, [id]);
    return row?.collection;
  }

  /** The attempts of the requests, oldest first, in one query. */
  attemptsOf(requests: readonly IngestionRequest[]): Promise<AttemptRow[]> {
    return requests.length === 0
      ? Promise.resolve([])
      : listAttempts(
          this.em,
          requests.map((r) => r.id),
        );
  }

  /** A page of requests (without their texts), in (created_at, id) order, resuming after `listing.after`. */
  async listPage(listing: IngestionListing): Promise<IngestionPage> {
    const { sql, params } = ingestionPageQuery(jobsTable(this.em), this.listedColumns, listing);
    const rows = await executeBound<Record<string, unknown> & { page_at: string }>(this.em, sql, params);
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
    const rows = await executeBound<Record<string, string | number | Date>>(
      tx,
      `select collection, ${statuses.map((status) => `count(*) filter (where status = '${status}') as "${status}"`).join(', ')},
              max(updated_at) as updated_at
         from ${jobsTable(tx)}
        where $1::text[] is null or collection = any($1::text[])
        group by collection
        order by collection`,
      [collections],
    );
    return rows.map((row) => ({
      collection: String(row.collection),
      counts: Object.fromEntries(statuses.map((status) => [status, Number(row[status])])) as Record<IngestionStatus, number>,
      updatedAt: new Date(row.updated_at),
    }));
  }

  /**
   * Locks the rows a delete removes (one request, or a collection's) for the rest of `tx`, waiting for a
   * worker's transaction still writing their chunks; returns the collection of each row locked.
   */
  async lockForDelete(tx: SqlEntityManager, target: { id: string } | { collection: string }): Promise<string[]> {
    const [column, value] = 'id' in target ? ['id', target.id] : ['collection', target.collection];
    const rows = await executeBound<{ collection: string }>(tx, `select collection from ${jobsTable(tx)} where ${column} = $1 for update`, [value]);
    return rows.map((r) => r.collection);
  }

  /** Deletes the request(s); their chunks go with them (on delete cascade). Returns how many there were. */
  async deleteRows(tx: SqlEntityManager, target: { id: string } | { collection: string }): Promise<number> {
    const [column, value] = 'id' in target ? ['id', target.id] : ['collection', target.collection];
    return (await executeBound(tx, `delete from ${jobsTable(tx)} where ${column} = $1 returning id`, [value])).length;
  }
}
