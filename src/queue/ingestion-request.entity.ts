import { defineEntity, p } from '@mikro-orm/core';
import type { ChunkingOptions } from '../chunking/chunking-options';
import { IngestionRequestRepository } from './ingestion-request.repository';
import { IngestionStatus } from './ingestion-status';
import type { Progress } from './sql/progress';

/**
 * The job is a row: one accepted request and its whole processing state.
 * Columns and indexes are created by the migrations in migrations/; this mapping only reads and inserts.
 */
export const IngestionRequestSchema = defineEntity({
  name: 'IngestionRequest',
  tableName: 'ingestion_requests',
  repository: () => IngestionRequestRepository,
  properties: {
    id: p.uuid().primary(),
    status: p.enum(() => IngestionStatus).default(IngestionStatus.Accepted),
    text: p.text().lazy(),
    textLength: p.integer(),
    collection: p.string().default('default'),
    sourceMetadata: p.json<Record<string, unknown>>(),
    chunking: p.json<ChunkingOptions>(),
    pageStarts: p.json<number[]>().nullable(),
    attempts: p.integer().default(0),
    maxAttempts: p.integer(),
    nextAttemptAt: p.datetime(),
    lockedAt: p.datetime().nullable(),
    lockedBy: p.string().nullable(),
    errorMessage: p.text().nullable(),
    chunkCount: p.integer().nullable(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
    startedAt: p.datetime().nullable(),
    completedAt: p.datetime().nullable(),
    idempotencyKey: p.text().nullable(),
    /** Who used the Idempotency-Key (an API key's id; '' without API keys): keys are scoped to it and the collection. */
    idempotencyCaller: p.text().nullable(),
    requestHash: p.text().nullable(),
    documentId: p.text().nullable(),
    documentVersion: p.integer().nullable(),
    contentHash: p.text().nullable(),
    supersededBy: p.uuid().nullable(),
    /** While running: the attempt's stage and chunks embedded of how many (written at most once a second). */
    progressStage: p.string().$type<Progress['stage']>().nullable(),
    chunksDone: p.integer().nullable(),
    chunksTotal: p.integer().nullable(),
  },
});

export class IngestionRequest extends IngestionRequestSchema.class {
  /** Typed here: inferred through the schema (whose repository refers back to this class) it would be `any`. */
  declare status: IngestionStatus;
}
IngestionRequestSchema.setClass(IngestionRequest);
