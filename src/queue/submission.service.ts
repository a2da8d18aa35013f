import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import type { ChunkingOptions } from '../chunking/chunking-options';
import { DEFAULT_COLLECTION } from '../common/collection';
import { AppError, ErrorCode } from '../common/errors/app-error';
import type { TextUpload } from '../common/text-upload';
import { SqlEntityManager } from '../database/sql';
import { hashOf, hashOfText } from './content-hash';
import { DocumentVersions, type DocumentRef, type ExistingRequest } from './document-versions';
import { IngestionRequest } from './ingestion-request.entity';
import { IngestionRequestRepository } from './ingestion-request.repository';
import { IngestionStatus } from './ingestion-status';
import { enqueue, enqueueBatch, findByIdempotencyKey, type IdempotencyScope, type NewRequestRow } from './sql/enqueue';

export interface NewIngestion {
  /** The text, or an upload too long to hold whole (read in parts to hash and to store it). */
  text: string | TextUpload;
  sourceMetadata: Record<string, unknown>;
  chunking: ChunkingOptions;
  /** Where each page starts in `text`, for a text extracted from a paged document (PDF). */
  pageStarts?: number[];
  /** Defaults to the `default` collection. */
  collection?: string;
  /** The client's own id for the document: a new submission is a new version of it. */
  documentId?: string;
  /** The client's Idempotency-Key: the same key and body from the same caller give the same ingestion. */
  idempotencyKey?: string;
  /** Who submits (the API key's id; '' or absent without API keys): an Idempotency-Key is scoped to it. */
  caller?: string;
}

/**
 * What a submission did: `created` a new request; `replayed` one made earlier with the same Idempotency-Key
 * and body; or found the document `unchanged` (its current version has the same content, nothing to embed).
 */
export type SubmitOutcome = 'created' | 'replayed' | 'unchanged';

export interface Submitted {
  request: IngestionRequest;
  outcome: SubmitOutcome;
}

/** A submission ready to store: its hashes, its document, and its row once its document version is known. */
interface Submission {
  input: NewIngestion;
  contentHash: string;
  requestHash: string;
  document?: DocumentRef;
  idempotency?: IdempotencyScope;
  row(documentVersion: number | null): NewRequestRow;
}

/** Puts new requests on the queue as `accepted`, once each: replays and unchanged documents are recognised. */
@Injectable()
export class SubmissionService {
  constructor(
    private readonly requests: IngestionRequestRepository,
    private readonly versions: DocumentVersions,
    private readonly config: AppConfig,
    private readonly em: SqlEntityManager,
  ) {}

  /**
   * Stores a submission as a new `accepted` request unless it repeats an earlier one (same Idempotency-Key, or
   * the same content as the document's current version); it is durable once this resolves. Throws
   * IDEMPOTENCY_KEY_REUSED, writing nothing, when the key was used with a different body.
   */
  async submit(input: NewIngestion): Promise<Submitted> {
    const submission = await this.prepare(input);
    if (!submission.document && !input.idempotencyKey && typeof input.text === 'string') {
      // Nothing to look up first: one INSERT, committed on its own (no BEGIN/COMMIT round trips).
      const row = submission.row(null);
      return { request: this.asAccepted(row, (await enqueue(this.em, row))!), outcome: 'created' };
    }
    return this.answer(await this.em.transactional((tx) => this.submitIn(tx, submission)));
  }

  /**
   * Several submissions (no Idempotency-Key) in one transaction: all are stored or none. Those without a
   * document id go in one INSERT; the others as submit() stores them, their documents locked in a fixed order
   * so two batches naming the same documents cannot deadlock. Answers in the order given.
   */
  async submitBatch(inputs: NewIngestion[]): Promise<Submitted[]> {
    const submissions = await Promise.all(inputs.map((input) => this.prepare(input)));
    const submitted = await this.em.transactional(async (tx) => {
      const documents = new Map(submissions.flatMap(({ document }) => (document ? [[JSON.stringify(document), document] as const] : [])));
      for (const key of [...documents.keys()].sort()) await this.versions.lock(tx, documents.get(key)!);
      const plain = submissions.filter((s) => !s.document).map((s) => s.row(null));
      const createdAt = await enqueueBatch(tx, plain);
      const plainRows = plain.values();
      const answers: (Submitted | { id: string; outcome: SubmitOutcome })[] = [];
      for (const submission of submissions) {
        answers.push(
          submission.document
            ? await this.submitIn(tx, submission, { locked: true })
            : { request: this.asAccepted(plainRows.next().value!, createdAt!), outcome: 'created' },
        );
      }
      return answers;
    });
    return Promise.all(submitted.map((s) => this.answer(s)));
  }

  /** Hashes a submission's content (reading an upload in parts) and makes its row, given its document version. */
  private async prepare(input: NewIngestion): Promise<Submission> {
    const collection = input.collection ?? DEFAULT_COLLECTION;
    const content = { chunking: input.chunking, source_metadata: input.sourceMetadata, collection };
    const contentHash = typeof input.text === 'string' ? hashOf({ ...content, text: input.text }) : await hashOfText(content, input.text.parts());
    const requestHash = hashOf({ content: contentHash, document_id: input.documentId ?? null });
    return {
      input,
      contentHash,
      requestHash,
      document: input.documentId ? { collection, id: input.documentId } : undefined,
      idempotency: input.idempotencyKey ? { key: input.idempotencyKey, caller: input.caller ?? '', collection } : undefined,
      row: (documentVersion) => ({
        id: randomUUID(),
        text: input.text,
        sourceMetadata: input.sourceMetadata,
        collection,
        chunking: input.chunking,
        pageStarts: input.pageStarts ?? null,
        maxAttempts: this.config.MAX_ATTEMPTS,
        idempotencyKey: input.idempotencyKey ?? null,
        idempotencyCaller: input.idempotencyKey ? (input.caller ?? '') : null,
        requestHash: input.idempotencyKey ? requestHash : null,
        documentId: input.documentId ?? null,
        documentVersion,
        contentHash,
      }),
    };
  }

  /** One submission in `tx`: a replay, an unchanged document, or a new row (the next version of its document). */
  private async submitIn(
    tx: SqlEntityManager,
    submission: Submission,
    { locked = false } = {},
  ): Promise<Submitted | { id: string; outcome: SubmitOutcome }> {
    const { document, contentHash, requestHash, idempotency } = submission;
    if (document && !locked) await this.versions.lock(tx, document);
    const replay = idempotency && (await findByIdempotencyKey(tx, idempotency));
    if (replay) return replayOf(replay, requestHash);
    let documentVersion: number | null = null;
    if (document) {
      const current = await this.versions.findCurrent(tx, document);
      if (current?.content_hash === contentHash) return { id: current.id, outcome: 'unchanged' };
      documentVersion = await this.versions.nextNumber(tx, document);
    }
    const row = submission.row(documentVersion);
    const createdAt = await enqueue(tx, row);
    if (createdAt) return { request: this.asAccepted(row, createdAt), outcome: 'created' };
    // A concurrent request with the same key committed first; its row is visible to this next statement.
    const winner = await findByIdempotencyKey(tx, idempotency!);
    return replayOf(winner!, requestHash);
  }

  /** A new request is answered as stored (the poller may claim it at once); an existing one as it is now. */
  private async answer(submitted: Submitted | { id: string; outcome: SubmitOutcome }): Promise<Submitted> {
    if ('request' in submitted) return submitted;
    return { request: await this.requests.findByIdOrFail(submitted.id), outcome: submitted.outcome };
  }

  /** The entity for a row just inserted, without reading it back (nor an upload's text). */
  private asAccepted(row: NewRequestRow, createdAt: Date): IngestionRequest {
    return this.requests.create(
      {
        ...row,
        text: typeof row.text === 'string' ? row.text : '',
        status: IngestionStatus.Accepted,
        textLength: row.text.length,
        attempts: 0,
        nextAttemptAt: createdAt,
        createdAt,
        updatedAt: createdAt,
      },
      { persist: false },
    );
  }
}

function replayOf(existing: ExistingRequest, requestHash: string): { id: string; outcome: 'replayed' } {
  if (existing.request_hash !== requestHash) {
    throw new AppError(ErrorCode.IdempotencyKeyReused, 'This Idempotency-Key was already used with a different request body', {
      ingestion_id: existing.id,
    });
  }
  return { id: existing.id, outcome: 'replayed' };
}
