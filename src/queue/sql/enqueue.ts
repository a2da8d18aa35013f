import { executeBound, SqlEntityManager } from '../../database/sql';
import type { IngestionRequest } from '../ingestion-request.entity';
import type { TextUpload } from '../../common/text-upload';
import type { ExistingRequest } from '../document-versions';
import { unlinkLargeObject, writeLargeObject } from '../long-text';
import { jobsTable } from './jobs';

/** A new row as SubmissionService builds it. */
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

/**
 * Inserts a new accepted row, due now, and returns its creation time. Returns undefined, writing nothing,
 * when another row already holds its idempotency key: the unique index makes a concurrent duplicate wait for
 * the first insert's commit and then do nothing, so exactly one row exists per key. The text is a bound
 * parameter (never inlined into the statement: no escaped copy of megabytes); an upload goes through a large
 * object, part by part, so it is never held whole here.
 */
export async function enqueue(tx: SqlEntityManager, row: NewRequestRow): Promise<Date | undefined> {
  const upload = typeof row.text === 'string' ? undefined : await writeLargeObject(tx, row.text.bytes());
  const [inserted] = await executeBound<{ created_at: Date | string }>(
    tx,
    `insert into ${jobsTable(tx)} (id, status, text, text_length, source_metadata, collection, chunking, page_starts, attempts,
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
  if (upload !== undefined) await unlinkLargeObject(tx, upload);
  return inserted ? new Date(inserted.created_at) : undefined;
}

/**
 * Inserts new accepted rows without document or Idempotency-Key in one statement (arrays through unnest);
 * returns their creation time, the transaction's (undefined for no rows).
 */
export async function enqueueBatch(tx: SqlEntityManager, rows: readonly NewRequestRow[]): Promise<Date | undefined> {
  if (rows.length === 0) return undefined;
  const [inserted] = await executeBound<{ created_at: Date | string }>(
    tx,
    `insert into ${jobsTable(tx)} (id, status, text, text_length, source_metadata, collection, chunking, page_starts, attempts,
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

/** The row made earlier with this Idempotency-Key by this caller in this collection. */
export async function findByIdempotencyKey(
  tx: SqlEntityManager,
  { key, caller, collection }: IdempotencyScope,
): Promise<ExistingRequest | undefined> {
  const [row] = await executeBound<ExistingRequest>(
    tx,
    `select id, status, request_hash, content_hash from ${jobsTable(tx)}
      where idempotency_key = $1 and idempotency_caller = $2 and collection = $3`,
    [key, caller, collection],
  );
  return row;
}
