import { executeBound, SqlEntityManager } from '../../database/sql';
import { jobsTable } from './jobs';

/** Where a running attempt is: its stage, and the chunks embedded so far of how many (when known). */
export interface Progress {
  stage: 'chunking' | 'embedding' | 'storing';
  chunksDone: number | null;
  chunksTotal: number | null;
}

/**
 * Records the progress of the rows `workerId` still holds, all in one statement (the poller calls it at most
 * once a second, not per chunk). Guarded like every transition: a row that finished or was reclaimed meanwhile
 * keeps what it has.
 */
export async function recordProgress(em: SqlEntityManager, workerId: string, entries: readonly (Progress & { id: string })[]): Promise<void> {
  if (entries.length === 0) return;
  await executeBound(
    em,
    `update ${jobsTable(em)} as r set progress_stage = p.stage, chunks_done = p.done, chunks_total = p.total
       from unnest($1::uuid[], $2::text[], $3::int[], $4::int[]) as p (id, stage, done, total)
      where r.id = p.id and r.status = 'running' and r.locked_by = $5`,
    [entries.map((e) => e.id), entries.map((e) => e.stage), entries.map((e) => e.chunksDone), entries.map((e) => e.chunksTotal), workerId],
  );
}
