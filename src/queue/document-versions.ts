import { Injectable } from '@nestjs/common';
import { executeBound, SqlEntityManager } from '../database/sql';
import type { ClaimedRequest } from './job-queue';
import { completeJobs } from './sql/complete';
import { endAttempts } from './sql/attempts';
import { jobsTable } from './sql/jobs';

/** A client document: its id is unique within its collection. */
export interface DocumentRef {
  collection: string;
  id: string;
}

/** Just enough of an existing row to decide whether a submission repeats it. */
export interface ExistingRequest {
  id: string;
  status: string;
  request_hash: string | null;
  content_hash: string | null;
}

/** What completing one request did (see completeVersion). */
export type VersionCompletion =
  { outcome: 'completed'; seconds: number; supersededIds: string[] } | { outcome: 'superseded'; by: string } | { outcome: 'lost-claim' };

/**
 * The versions of a client document (document_id within a collection). Submitting a version and completing
 * one both run under the document's lock, so versions are numbered in order and a search sees the old
 * version or the new one, never both or neither.
 */
@Injectable()
export class DocumentVersions {
  /**
   * Serialises everything that decides a document's versions (submitting one, completing one) until the
   * transaction ends. A transaction-scoped advisory lock, because the document may have no row yet.
   */
  async lock(tx: SqlEntityManager, document: DocumentRef): Promise<void> {
    // JSON keeps the pair unambiguous whatever characters the document id holds.
    const key = JSON.stringify(['ingestion-document', document.collection, document.id]);
    await executeBound(tx, `select pg_advisory_xact_lock(hashtextextended($1, 0))`, [key]);
  }

  /** The version a new submission is compared with: the newest one that is pending, running or completed. */
  async findCurrent(tx: SqlEntityManager, document: DocumentRef): Promise<ExistingRequest | undefined> {
    const [row] = await executeBound<ExistingRequest>(
      tx,
      `select id, status, request_hash, content_hash from ${jobsTable(tx)}
        where collection = $1 and document_id = $2 and status in ('accepted', 'running', 'completed')
        order by document_version desc limit 1`,
      [document.collection, document.id],
    );
    return row;
  }

  async nextNumber(tx: SqlEntityManager, document: DocumentRef): Promise<number> {
    const [row] = await executeBound<{ version: number | string }>(
      tx,
      `select coalesce(max(document_version), 0) + 1 as version from ${jobsTable(tx)} where collection = $1 and document_id = $2`,
      [document.collection, document.id],
    );
    return Number(row.version);
  }

  /**
   * Completes a claimed request in `tx` — the transaction that stores its chunks. For a document version,
   * under the document's lock: when a newer version has completed already, this one becomes superseded
   * (the caller stores nothing, or drops what it stored); else it completes and the older completed or
   * pending versions become superseded (the caller drops their chunks, `supersededIds`, in `tx`).
   * `lost-claim` when `workerId` no longer holds the request.
   */
  async completeVersion(tx: SqlEntityManager, request: ClaimedRequest, workerId: string, chunkCount: number): Promise<VersionCompletion> {
    const document = request.document && { collection: request.collection, id: request.document.id };
    if (document) {
      await this.lock(tx, document);
      const newer = await this.findNewerCompleted(tx, document, request.document!.version);
      if (newer)
        return (await this.markSupersededWhileRunning(tx, request.id, workerId, newer))
          ? { outcome: 'superseded', by: newer }
          : { outcome: 'lost-claim' };
    }
    const seconds = (await completeJobs(tx, workerId, [{ id: request.id, chunkCount }])).get(request.id);
    if (seconds === undefined) return { outcome: 'lost-claim' };
    const supersededIds = document ? await this.supersedeOlder(tx, document, request.document!.version, request.id) : [];
    return { outcome: 'completed', seconds, supersededIds };
  }

  /** The id of a completed version newer than `version`, if there is one. Call under lock. */
  private async findNewerCompleted(tx: SqlEntityManager, document: DocumentRef, version: number): Promise<string | undefined> {
    const [row] = await executeBound<{ id: string }>(
      tx,
      `select id from ${jobsTable(tx)}
        where collection = $1 and document_id = $2 and document_version > $3 and status = 'completed' limit 1`,
      [document.collection, document.id, version],
    );
    return row?.id;
  }

  /**
   * Marks the completed and still-pending versions older than `version` superseded by `byId`; returns their
   * ids. Running ones are left to their worker, which will find this newer version when it completes.
   */
  private async supersedeOlder(tx: SqlEntityManager, document: DocumentRef, version: number, byId: string): Promise<string[]> {
    const rows = await executeBound<{ id: string }>(
      tx,
      `update ${jobsTable(tx)} set status = 'superseded', superseded_by = $1, chunk_count = 0, updated_at = now()
        where collection = $2 and document_id = $3 and document_version < $4 and status in ('accepted', 'completed') returning id`,
      [byId, document.collection, document.id, version],
    );
    return rows.map((r) => r.id);
  }

  /** running → superseded, for a version that finished after a newer one had already completed. */
  private async markSupersededWhileRunning(tx: SqlEntityManager, id: string, workerId: string, byId: string): Promise<boolean> {
    const rows = await executeBound(
      tx,
      `with moved as (
         update ${jobsTable(tx)} set status = 'superseded', superseded_by = $1, chunk_count = 0, error_message = null,
                completed_at = now(), locked_at = null, locked_by = null, updated_at = now()
          where id = $2 and status = 'running' and locked_by = $3 returning id),
       ${endAttempts(tx, 'moved', 'superseded')}
       select id from moved`,
      [byId, id, workerId],
    );
    return rows.length === 1;
  }
}
