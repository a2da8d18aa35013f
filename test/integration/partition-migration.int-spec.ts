import { MikroORM } from '@mikro-orm/core';
import type { Migrator } from '@mikro-orm/migrations';
import type { INestApplicationContext } from '@nestjs/common';
import { SqlEntityManager, tableName } from '../../src/database/sql';
import { IngestionPoller } from '../../src/ingestion/ingestion.poller';
import { SubmissionService } from '../../src/queue/submission.service';
import { newIngestion } from '../factories/ingestion.factory';
import { describeDatabase } from '../support/test-database';
import { useTestApp } from '../support/use-test-app';

describeDatabase('the partitioned_chunk_vectors migration, down and up again with chunks stored', () => {
  const suite = useTestApp();
  let app: INestApplicationContext;
  let em: SqlEntityManager;
  let migrator: Migrator;

  beforeAll(() => {
    app = suite.app;
    em = app.get(SqlEntityManager).fork();
    migrator = app.get(MikroORM).migrator as unknown as Migrator;
  });

  async function ingest(text: string): Promise<void> {
    await suite.db.inContext(() => app.get(SubmissionService).submit(newIngestion({ text })));
    await app.get(IngestionPoller).tick();
  }
  const chunks = () =>
    em.execute<{ chunk_id: string; seq: string | number }[]>(`select chunk_id, seq from ${tableName(em, 'chunk_vectors')} order by seq`);
  const kind = async () =>
    (await em.execute<{ relkind: string }[]>(`select relkind from pg_class where oid = ?::regclass`, [tableName(em, 'chunk_vectors')]))[0].relkind;

  it('should keep every chunk and its seq, and go on numbering after them', async () => {
    await ingest(Array.from({ length: 30 }, (_, i) => `Paragraph ${i} of the document that predates partitioning.`).join('\n\n'));
    const before = await chunks();
    expect(before.length).toBeGreaterThan(1);
    expect(await kind()).toBe('p');

    await migrator.down();
    expect(await kind()).toBe('r');
    expect(await chunks()).toEqual(before);

    await migrator.up();
    expect(await kind()).toBe('p');
    expect(await chunks()).toEqual(before);
    const partitions = await em.execute<{ name: string }[]>(
      `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = ?::regclass`,
      [tableName(em, 'chunk_vectors')],
    );
    expect(partitions.map((p) => p.name)).toEqual(['chunk_vectors_p0_200000']);

    await ingest('One more document, written after the migration.');
    const after = await chunks();
    expect(after).toHaveLength(before.length + 1);
    expect(Number(after.at(-1)!.seq)).toBe(Number(before.at(-1)!.seq) + 1);
  });
});
