import { Injectable } from '@nestjs/common';
import type { Progress } from './sql/progress';

/** A request this process is working on, as WorkInProgress knows it. */
interface Work {
  id: string;
  collection: string;
}

/** Why work is abandoned: shutdown, or the ingestion was deleted or cancelled. */
export type AbandonReason = 'shutdown' | 'deleted' | 'cancelled';

/** Thrown at the next step of abandoned work: its transaction rolls back and no outcome is recorded for it. */
export class WorkAbandonedError extends Error {
  constructor(readonly reason: AbandonReason) {
    super(`processing abandoned: ${reason}`);
    this.name = 'WorkAbandonedError';
  }
}

/**
 * The requests this process has claimed and not finished, each with a signal to abandon it: at shutdown once
 * SHUTDOWN_GRACE_MS is over, or when a delete removes it. The processor checks the signal at every step (each
 * embedding call, each window of a long text) and passes it to the embedder, so abandoned work stops within
 * one step instead of running on for minutes holding a transaction, its locks and a connection.
 */
@Injectable()
export class WorkInProgress {
  private readonly work = new Map<string, Work & { controller: AbortController }>();
  /** Progress reported since it was last taken (the latest per request): written to the rows once a second. */
  private readonly unsaved = new Map<string, Progress>();

  begin(request: Work): void {
    this.work.set(request.id, { id: request.id, collection: request.collection, controller: new AbortController() });
  }

  end(id: string): void {
    this.work.delete(id);
    this.unsaved.delete(id);
  }

  /** Where the processing of a request this process holds has got to; kept in memory until takeProgress(). */
  report(id: string, progress: Progress): void {
    if (this.work.has(id)) this.unsaved.set(id, progress);
  }

  /** The progress reported since the last call, for the rows to record. */
  takeProgress(): (Progress & { id: string })[] {
    const taken = [...this.unsaved].map(([id, progress]) => ({ id, ...progress }));
    this.unsaved.clear();
    return taken;
  }

  ids(): string[] {
    return [...this.work.keys()];
  }

  get size(): number {
    return this.work.size;
  }

  /** The request's signal; one that never aborts for a request this process does not hold (tests processing directly). */
  signalOf(id: string): AbortSignal {
    return this.work.get(id)?.controller.signal ?? new AbortController().signal;
  }

  /** Abandons the work `matches` picks (all of it without); returns how many it abandoned. */
  abandon(reason: AbandonReason, matches: (work: Work) => boolean = () => true): number {
    let abandoned = 0;
    for (const work of this.work.values()) {
      if (work.controller.signal.aborted || !matches(work)) continue;
      work.controller.abort(new WorkAbandonedError(reason));
      abandoned++;
    }
    return abandoned;
  }
}
