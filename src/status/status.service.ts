import { Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import type { ChunkingOptions } from '../chunking/chunking-options';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { SqlEntityManager } from '../database/sql';
import { IngestionRequest } from './ingestion-request.entity';
import type { TextUpload } from '../common/text-upload';
import {
  ClaimedRequest,
  Completion,
  ExistingRequest,
  IdempotencyScope,
  IngestionRequestRepository,
  NewRequestRow,
} from './ingestion-request.repository';
import { IngestionStatus } from './ingestion-status';
import { WorkInProgress } from './work-in-progress';
import { DEFAULT_COLLECTION } from '../vector-store/collection';
import type { CollectionSummary, IngestionListing, IngestionPage } from './ingestion-request.repository';

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
  document?: { collection: string; id: string };
  idempotency?: IdempotencyScope;
  row(documentVersion: number | null): NewRequestRow;
}

/** The outcome of a failed attempt, as decided by retryOrFail. */
export type FailureOutcome = 'retry' | 'failed' | 'lost-lease';

/** Owns the request's lifecycle: every status transition goes through here. */
@Injectable()
export class StatusService {
  constructor(
    private readonly requests: IngestionRequestRepository,
    private readonly config: AppConfig,
    private readonly em: SqlEntityManager,
    private readonly work: WorkInProgress,
  ) {}

  /** Stores a new request as `accepted`; it is durable once this resolves. */
  async accept(input: NewIngestion): Promise<IngestionRequest> {
    return (await this.submit(input)).request;
  }

  /**
   * Stores a submission as a new `accepted` request unless it repeats an earlier one (same Idempotency-Key, or
   * the same content as the document's current version). Throws IDEMPOTENCY_KEY_REUSED, writing nothing,
   * when the key was used with a different body.
   */
  async submit(input: NewIngestion): Promise<Submitted> {
    const submission = await this.prepare(input);
    if (!submission.document && !input.idempotencyKey && typeof input.text === 'string') {
      // Nothing to look up first: one INSERT, committed on its own (no BEGIN/COMMIT round trips).
      const row = submission.row(null);
      return { request: this.asAccepted(row, (await this.requests.insertAccepted(this.em, row))!), outcome: 'created' };
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
      for (const key of [...documents.keys()].sort()) await this.requests.lockDocument(tx, documents.get(key)!);
      const plain = submissions.filter((s) => !s.document).map((s) => s.row(null));
      const createdAt = await this.requests.insertAcceptedBatch(tx, plain);
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

  /** Requests waiting for a worker (accepted, whether due now or backing off): the queue's length. */
  countWaiting(): Promise<number> {
    return this.em.fork().count(IngestionRequest, { status: IngestionStatus.Accepted });
  }

  /** Ingestions of the collection not finished yet (accepted or running): what a search cannot see yet. */
  countUnfinished(collection: string): Promise<number> {
    return this.em.count(IngestionRequest, { collection, status: { $in: [IngestionStatus.Accepted, IngestionStatus.Running] } });
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
    if (document && !locked) await this.requests.lockDocument(tx, document);
    const replay = idempotency && (await this.requests.findByIdempotencyKey(tx, idempotency));
    if (replay) return replayOf(replay, requestHash);
    let documentVersion: number | null = null;
    if (document) {
      const current = await this.requests.findCurrentVersion(tx, document);
      if (current?.content_hash === contentHash) return { id: current.id, outcome: 'unchanged' };
      documentVersion = await this.requests.nextDocumentVersion(tx, document);
    }
    const row = submission.row(documentVersion);
    const createdAt = await this.requests.insertAccepted(tx, row);
    if (createdAt) return { request: this.asAccepted(row, createdAt), outcome: 'created' };
    // A concurrent request with the same key committed first; its row is visible to this next statement.
    const winner = await this.requests.findByIdempotencyKey(tx, idempotency!);
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

  get(id: string): Promise<IngestionRequest> {
    return this.requests.findByIdOrFail(id);
  }

  /** One page of requests, newest or oldest first, filtered (see IngestionListing). */
  list(listing: IngestionListing): Promise<IngestionPage> {
    return this.requests.listPage(listing);
  }

  /** Each collection with requests (of `collections`, unless null): counts by status and its last change, in `tx`. */
  summarizeCollections(tx: SqlEntityManager, collections: readonly string[] | null): Promise<CollectionSummary[]> {
    return this.requests.summarizeCollections(tx, collections);
  }

  claim(workerId: string, limit: number): Promise<ClaimedRequest[]> {
    return this.requests.claimBatch(workerId, limit, this.config.JOB_LEASE_MS);
  }

  /** A reader of a claimed request's text too long to travel with the claim, part by part, in `tx`. */
  openTextParts(tx: SqlEntityManager, id: string): Promise<(index: number) => Promise<string>> {
    return this.requests.openTextParts(tx, id);
  }

  /** Renews the locks of the requests a live worker is processing (see JOB_LEASE_MS). */
  heartbeat(workerId: string, ids: string[]): Promise<number> {
    return this.requests.renewLocks(workerId, ids);
  }

  /** Whether `workerId` still holds its claim on the request, read in `tx` (a delete revokes claims). */
  holds(tx: SqlEntityManager, workerId: string, id: string): Promise<boolean> {
    return this.requests.isHeldBy(tx, id, workerId);
  }

  /**
   * Cancels an accepted or running request: it will not run, or stops at its next step (see stopWorkOn),
   * storing nothing. Cancelling a cancelled one changes nothing; any other status is STATUS_CONFLICT.
   * `mayUse` is checked before anything is stopped: another collection's request is answered as unknown.
   */
  async cancel(id: string, mayUse: (collection: string) => boolean): Promise<IngestionRequest> {
    await this.stopWorkOn({ id }, mayUse, 'cancelled');
    const request = await this.get(id);
    if (!mayUse(request.collection)) throw AppError.notFound(id);
    if ((request.status as IngestionStatus) === IngestionStatus.Cancelled) return request;
    if (!(await this.requests.markCancelled(id))) throw conflict(request, 'cancelled', 'accepted or running');
    return this.get(id);
  }

  /** A failed request back to accepted, attempts from 0; any other status is STATUS_CONFLICT. */
  async retry(id: string, mayUse: (collection: string) => boolean): Promise<IngestionRequest> {
    const request = await this.get(id);
    if (!mayUse(request.collection)) throw AppError.notFound(id);
    if ((await this.requests.requeueFailed({ id })).length === 0) throw conflict(request, 'retried', 'failed');
    return this.get(id);
  }

  /** Every failed request of `collections` (null: all) whose error contains `errorContains`, back to accepted; returns how many. */
  async retryFailed(collections: readonly string[] | null, errorContains?: string): Promise<number> {
    return (await this.requests.requeueFailed({ collections, errorContains })).length;
  }

  /**
   * Before a delete: stops the work in progress on what it removes (one ingestion, or a collection's), so the
   * delete does not wait behind a long text's transaction and its locks (it waited 22 s): in this process at
   * once, in other processes at their next window, as their claims are revoked here (committed on its own, so
   * their workers see it). Only in collections `mayUse` allows: the caller's.
   */
  async stopWorkOn(
    target: { id: string } | { collection: string },
    mayUse: (collection: string) => boolean,
    reason: 'deleted' | 'cancelled' = 'deleted',
  ): Promise<void> {
    const targeted = (work: { id: string; collection: string }) => ('id' in target ? work.id === target.id : work.collection === target.collection);
    this.work.abandon(reason, (work) => targeted(work) && mayUse(work.collection));
    const collection = 'collection' in target ? target.collection : await this.requests.findCollection(target.id);
    if (collection !== undefined && mayUse(collection)) await this.requests.revokeClaims(target);
  }

  /** Completes the requests `workerId` still holds; returns those it completed with their accepted → completed seconds. */
  complete(tx: SqlEntityManager, workerId: string, completions: readonly Completion[]): Promise<Map<string, number>> {
    return this.requests.markCompleted(tx, workerId, completions);
  }

  /**
   * Before a document version stores its chunks: takes the document's lock for the rest of `tx` and says
   * which newer version, if any, has already completed (then this one must not replace it).
   */
  async newerCompletedVersion(tx: SqlEntityManager, request: ClaimedRequest): Promise<string | undefined> {
    if (!request.document) return undefined;
    const document = { collection: request.collection, id: request.document.id };
    await this.requests.lockDocument(tx, document);
    return this.requests.findNewerCompletedVersion(tx, document, request.document.version);
  }

  /** After a document version completed in `tx`: older versions become superseded; returns their ids. */
  supersedeOlderVersions(tx: SqlEntityManager, request: ClaimedRequest): Promise<string[]> {
    if (!request.document) return Promise.resolve([]);
    const document = { collection: request.collection, id: request.document.id };
    return this.requests.supersedeOlderVersions(tx, document, request.document.version, request.id);
  }

  markSuperseded(tx: SqlEntityManager, id: string, workerId: string, byId: string): Promise<boolean> {
    return this.requests.markSupersededWhileRunning(tx, id, workerId, byId);
  }

  /**
   * A failed attempt goes back to the queue with exponential backoff and jitter until max_attempts, then
   * fails; a non-retryable error fails at once.
   */
  async retryOrFail(request: ClaimedRequest, workerId: string, error: string, retryable: boolean): Promise<FailureOutcome> {
    if (retryable && request.attempts < request.maxAttempts) {
      const delayMs = this.config.RETRY_BASE_DELAY_MS * 2 ** (request.attempts - 1) * (0.5 + Math.random() / 2);
      const moved = await this.requests.scheduleRetry(request.id, workerId, error, new Date(Date.now() + delayMs));
      return moved ? 'retry' : 'lost-lease';
    }
    return (await this.requests.markFailed(request.id, workerId, error)) ? 'failed' : 'lost-lease';
  }

  release(workerId?: string): Promise<number> {
    return this.requests.releaseRunning(workerId);
  }

  /** Back to the queue, due now, for what `workerId` left running without an outcome (its attempt stays counted). */
  requeueOrphans(workerId: string): Promise<number> {
    return this.requests.requeueRunning(workerId);
  }

  /** The collection of an ingestion, locking its row for the rest of `tx`; undefined when there is none. */
  collectionOf(tx: SqlEntityManager, id: string): Promise<string | undefined> {
    return this.requests.lockCollectionOf(tx, id);
  }

  /** Locks the collection's requests for the rest of `tx`: waits for a worker's transaction still writing their chunks. */
  lockCollection(tx: SqlEntityManager, collection: string): Promise<void> {
    return this.requests.lockCollection(tx, collection);
  }

  remove(tx: SqlEntityManager, id: string): Promise<boolean> {
    return this.requests.deleteById(tx, id);
  }

  removeCollection(tx: SqlEntityManager, collection: string): Promise<number> {
    return this.requests.deleteByCollection(tx, collection);
  }
}

function conflict(request: IngestionRequest, done: 'cancelled' | 'retried', allowed: string): AppError {
  return new AppError(ErrorCode.StatusConflict, `Ingestion ${request.id} is ${request.status}: only ${allowed} ingestions can be ${done}`, {
    status: request.status,
  });
}

function replayOf(existing: ExistingRequest, requestHash: string): { id: string; outcome: 'replayed' } {
  if (existing.request_hash !== requestHash) {
    throw new AppError(ErrorCode.IdempotencyKeyReused, 'This Idempotency-Key was already used with a different request body', {
      ingestion_id: existing.id,
    });
  }
  return { id: existing.id, outcome: 'replayed' };
}

/** SHA-256 of the value as canonical JSON (object keys sorted), so equal content hashes equally. */
export function hashOf(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/**
 * hashOf({ ...fields, text }) for a text given in parts (none splitting a surrogate pair), without joining
 * them: JSON escapes a string character by character, so the escaped parts make the escaped whole.
 */
export async function hashOfText(fields: Record<string, unknown>, parts: AsyncIterable<string>): Promise<string> {
  // NUL cannot occur in stored metadata, so the marker stands only for the text.
  const marker = '\u0000text\u0000';
  const [before, after, ...more] = canonicalJson({ ...fields, text: marker }).split(JSON.stringify(marker));
  if (after === undefined || more.length > 0) throw new Error('the text marker must occur exactly once');
  const hash = createHash('sha256').update(before).update('"');
  for await (const part of parts) hash.update(JSON.stringify(part).slice(1, -1));
  return hash.update('"').update(after).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
