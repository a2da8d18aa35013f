import { randomUUID } from 'node:crypto';
import { executeBound, SqlEntityManager } from '../../src/database/sql';
import { listAttempts } from '../../src/queue/sql/attempts';
import { claimJobs } from '../../src/queue/sql/claim';
import { completeJobs } from '../../src/queue/sql/complete';
import { enqueue, type NewRequestRow } from '../../src/queue/sql/enqueue';
import { failJob, retryJob } from '../../src/queue/sql/fail';
import { heartbeat, isHeldBy } from '../../src/queue/sql/heartbeat';
import { jobsTable } from '../../src/queue/sql/jobs';
import { countQueued, hasPendingWork } from '../../src/queue/sql/pending';
import { recordProgress } from '../../src/queue/sql/progress';
import { reclaimJobs, releaseJobs } from '../../src/queue/sql/release';
import { cancelJob, requeueFailed, revokeClaims } from '../../src/queue/sql/revoke';
import { databaseTarget, describeDatabase } from '../support/test-database';
import { useMigratedDatabase } from '../support/use-test-app';

const LEASE_MS = 60_000;
const TEXT_LIMIT = 1000;

/** A request row as a submission makes it, in `collection`. */
function newRow(collection = 'queue'): NewRequestRow {
  return {
    id: randomUUID(),
    text: 'A short text to chunk.',
    sourceMetadata: {},
    collection,
    chunking: { strategy: 'fixed', chunk_size: 100, chunk_overlap: 0 },
    pageStarts: null,
    maxAttempts: 3,
    idempotencyKey: null,
    idempotencyCaller: null,
    requestHash: null,
    documentId: null,
    documentVersion: null,
    contentHash: null,
  };
}

/** The job queue's statements (src/queue/sql) on a bare migrated database, without the app. */
describeDatabase('job queue SQL', () => {
  const orm = useMigratedDatabase();
  let em: SqlEntityManager;

  beforeEach(async () => {
    em = orm.em();
    await executeBound(em, `delete from ${jobsTable(em)}`, []);
  });

  const add = async (collection?: string) => {
    const row = newRow(collection);
    await enqueue(em, row);
    return row.id;
  };
  const rowOf = async (id: string) => {
    const [row] = await executeBound<{ status: string; attempts: number; locked_by: string | null; error_message: string | null }>(
      em,
      `select status, attempts, locked_by, error_message from ${jobsTable(em)} where id = $1`,
      [id],
    );
    return row;
  };
  /** Moves the row's lock `seconds` into the past, as if its worker had stopped beating that long ago. */
  const ageLock = (id: string, seconds: number) =>
    executeBound(em, `update ${jobsTable(em)} set locked_at = now() - make_interval(secs => $2) where id = $1`, [id, seconds]);
  const claim = (worker: string, limit = 10, on = em) => claimJobs(on, worker, limit, LEASE_MS, TEXT_LIMIT);

  it('should claim due rows once, counting the attempt, and skip rows not yet due', async () => {
    const due = await add();
    const later = await add();
    await executeBound(em, `update ${jobsTable(em)} set next_attempt_at = now() + interval '1 hour' where id = $1`, [later]);
    const claimed = await claim('worker-a');
    expect(claimed.map((r) => r.id)).toEqual([due]);
    expect(claimed[0]).toMatchObject({ attempts: 1, text: 'A short text to chunk.', collection: 'queue' });
    expect(await claim('worker-b')).toEqual([]);
    expect(await rowOf(due)).toMatchObject({ status: 'running', locked_by: 'worker-a' });
  });

  it('should leave a text longer than the limit out of the claim', async () => {
    const id = randomUUID();
    await enqueue(em, { ...newRow(), id, text: 'x'.repeat(TEXT_LIMIT + 1) });
    const [claimed] = await claim('worker-a');
    expect(claimed).toMatchObject({ id, text: null, text_length: TEXT_LIMIT + 1 });
  });

  (databaseTarget() === 'PGlite' ? it.skip : it)(
    'should let a second worker claim other rows while the first claim is uncommitted (SKIP LOCKED)',
    async () => {
      const ids = await Promise.all([add(), add(), add(), add()]);
      const first = orm.em();
      await first.transactional(async (tx) => {
        const mine = await claim('worker-a', 2, tx);
        expect(mine).toHaveLength(2);
        // Another connection, while worker-a's rows are locked by its open transaction: no wait, no overlap.
        const theirs = await claim('worker-b', 10, orm.em());
        expect(theirs).toHaveLength(2);
        expect(new Set([...mine, ...theirs].map((r) => r.id))).toEqual(new Set(ids));
      });
    },
  );

  it('should reclaim a running row only once its lease has expired, and the old worker then completes nothing', async () => {
    const id = await add();
    await claim('dead-worker');
    await ageLock(id, LEASE_MS / 1000 - 5);
    expect(await claim('live-worker')).toEqual([]);
    await ageLock(id, LEASE_MS / 1000 + 5);
    const [reclaimed] = await claim('live-worker');
    expect(reclaimed).toMatchObject({ id, attempts: 2 });
    expect(await heartbeat(em, 'dead-worker', [id])).toBe(0);
    expect((await completeJobs(em, 'dead-worker', [{ id, chunkCount: 3 }])).size).toBe(0);
    expect(await retryJob(em, id, 'dead-worker', 'late failure', new Date())).toBe(false);
    expect(await failJob(em, id, 'dead-worker', 'late failure')).toBe(false);
    expect([...(await completeJobs(em, 'live-worker', [{ id, chunkCount: 3 }])).keys()]).toEqual([id]);
    expect(await rowOf(id)).toMatchObject({ status: 'completed', locked_by: null });
  });

  it('should renew the lease on heartbeat, so a live worker is not reclaimed', async () => {
    const id = await add();
    await claim('worker-a');
    await ageLock(id, LEASE_MS / 1000 + 5);
    expect(await heartbeat(em, 'worker-a', [id, randomUUID()])).toBe(1);
    expect(await claim('worker-b')).toEqual([]);
    expect(await isHeldBy(em, id, 'worker-a')).toBe(true);
  });

  it('should put a retry back with its error, due later, and fail for good', async () => {
    const retried = await add();
    const failed = await add();
    await claim('worker-a');
    expect(await retryJob(em, retried, 'worker-a', 'provider timeout', new Date(Date.now() + 3_600_000))).toBe(true);
    expect(await failJob(em, failed, 'worker-a', 'x'.repeat(5000))).toBe(true);
    expect(await rowOf(retried)).toMatchObject({ status: 'accepted', error_message: 'provider timeout', locked_by: null });
    expect((await rowOf(failed)).error_message).toHaveLength(4000);
    expect(await claim('worker-b')).toEqual([]); // the retry is not due yet
    expect(await countQueued(em)).toEqual({ accepted: 1, running: 0 });
  });

  it('should release without counting the attempt, and reclaim an orphan counting it', async () => {
    const released = await add();
    await claim('worker-a');
    expect(await releaseJobs(em, 'other-worker')).toBe(0);
    expect(await releaseJobs(em, 'worker-a')).toBe(1);
    expect(await rowOf(released)).toMatchObject({ status: 'accepted', attempts: 0 });
    await claim('worker-a');
    expect(await reclaimJobs(em, 'worker-a')).toBe(1);
    expect(await rowOf(released)).toMatchObject({ status: 'accepted', attempts: 1, locked_by: null });
    await claim('worker-b');
    expect(await releaseJobs(em)).toBe(1); // every running row, whoever holds it
  });

  it('should take a revoked claim away from its worker, and cancel it', async () => {
    const id = await add();
    await claim('worker-a');
    await revokeClaims(em, { collection: 'queue' });
    expect(await isHeldBy(em, id, 'worker-a')).toBe(false);
    expect((await completeJobs(em, 'worker-a', [{ id, chunkCount: 1 }])).size).toBe(0);
    expect(await cancelJob(em, id)).toBe(true);
    expect(await cancelJob(em, id)).toBe(false);
    expect((await rowOf(id)).status).toBe('cancelled');
  });

  it('should let exactly one of a cancel and a completion racing for a running row win', async () => {
    for (let round = 0; round < 10; round++) {
      const id = await add();
      await claim('worker-a');
      // Separate entity managers: on PostgreSQL two connections, really at once.
      const [completed, cancelled] = await Promise.all([completeJobs(orm.em(), 'worker-a', [{ id, chunkCount: 1 }]), cancelJob(orm.em(), id)]);
      expect(completed.size === 1).toBe(!cancelled);
      expect((await rowOf(id)).status).toBe(cancelled ? 'cancelled' : 'completed');
      expect((await listAttempts(em, [id])).map((a) => a.outcome)).toEqual([cancelled ? 'cancelled' : 'completed']);
    }
  });

  it('should requeue failed rows by id, or by collection and error text', async () => {
    const [a, b, c] = [await add('one'), await add('one'), await add('two')];
    await claim('worker-a');
    await failJob(em, a, 'worker-a', 'quota exceeded');
    await failJob(em, b, 'worker-a', 'model not found');
    await failJob(em, c, 'worker-a', 'quota exceeded');
    expect(await requeueFailed(em, { collections: ['one'], errorContains: 'quota' })).toEqual([a]);
    expect(await requeueFailed(em, { id: b })).toEqual([b]);
    expect(await requeueFailed(em, { id: b })).toEqual([]);
    expect(await requeueFailed(em, { collections: null })).toEqual([c]);
    expect(await rowOf(a)).toMatchObject({ status: 'accepted', attempts: 0 });
  });

  it('should tell whether work is pending: due or running rows, not rows backing off', async () => {
    expect(await hasPendingWork(em)).toBe(false);
    const id = await add();
    expect(await hasPendingWork(em)).toBe(true);
    await executeBound(em, `update ${jobsTable(em)} set next_attempt_at = now() + interval '1 hour' where id = $1`, [id]);
    expect(await hasPendingWork(em)).toBe(false);
    expect(await countQueued(em, 'queue')).toEqual({ accepted: 1, running: 0 });
    expect(await countQueued(em, 'elsewhere')).toEqual({ accepted: 0, running: 0 });
  });

  /** The attempts of `id` as the history shows them: attempt, worker, outcome, error, whether ended. */
  const historyOf = async (id: string) =>
    (await listAttempts(em, [id])).map((a) => ({
      attempt: a.attempt,
      worker: a.worker,
      outcome: a.outcome,
      error: a.error,
      ended: a.ended_at !== null,
    }));

  it('should keep each attempt with its worker, outcome and error, in the statements that move the row', async () => {
    const id = await add();
    await claim('worker-a');
    expect(await historyOf(id)).toEqual([{ attempt: 1, worker: 'worker-a', outcome: null, error: null, ended: false }]);
    await retryJob(em, id, 'worker-a', 'provider timeout', new Date());
    await claim('worker-b');
    await failJob(em, id, 'worker-b', 'model not found');
    await requeueFailed(em, { id });
    await claim('worker-a');
    await completeJobs(em, 'worker-a', [{ id, chunkCount: 1 }]);
    expect(await historyOf(id)).toEqual([
      { attempt: 1, worker: 'worker-a', outcome: 'retry', error: 'provider timeout', ended: true },
      { attempt: 2, worker: 'worker-b', outcome: 'failed', error: 'model not found', ended: true },
      // A retry of a failed ingestion counts from 1 again; the earlier attempts stay.
      { attempt: 1, worker: 'worker-a', outcome: 'completed', error: null, ended: true },
    ]);
  });

  it('should forget a released attempt, and end interrupted, taken-over and cancelled ones', async () => {
    const [released, reclaimed, expired, cancelled] = [await add(), await add(), await add(), await add()];
    await claim('worker-a');
    await releaseJobs(em, 'worker-a');
    expect(await historyOf(released)).toEqual([]);
    await claim('worker-a');
    await ageLock(expired, LEASE_MS / 1000 + 1);
    await claim('worker-b');
    await cancelJob(em, cancelled);
    await reclaimJobs(em, 'worker-a');
    expect((await historyOf(expired)).map((a) => [a.worker, a.outcome])).toEqual([
      ['worker-a', 'lease-expired'],
      ['worker-b', null],
    ]);
    expect((await historyOf(reclaimed)).map((a) => a.outcome)).toEqual(['interrupted']);
    expect((await historyOf(cancelled)).map((a) => a.outcome)).toEqual(['cancelled']);
    expect((await historyOf(released)).map((a) => a.outcome)).toEqual(['interrupted']);
  });

  it('should record progress only on rows the worker still holds, and clear it at the next claim', async () => {
    const [held, lost] = [await add(), await add()];
    await claim('worker-a');
    await revokeClaims(em, { id: lost });
    const embedding = { stage: 'embedding' as const, chunksDone: 256, chunksTotal: 1000 };
    await recordProgress(em, 'worker-a', [
      { id: held, ...embedding },
      { id: lost, ...embedding },
    ]);
    const progressOf = async (id: string) =>
      (await executeBound(em, `select progress_stage, chunks_done, chunks_total from ${jobsTable(em)} where id = $1`, [id]))[0];
    expect(await progressOf(held)).toEqual({ progress_stage: 'embedding', chunks_done: 256, chunks_total: 1000 });
    expect(await progressOf(lost)).toEqual({ progress_stage: null, chunks_done: null, chunks_total: null });
    await reclaimJobs(em, 'worker-a');
    await claim('worker-b');
    expect(await progressOf(held)).toEqual({ progress_stage: null, chunks_done: null, chunks_total: null });
  });
});
