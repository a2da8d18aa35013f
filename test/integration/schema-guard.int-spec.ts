import { createTestApp } from '../support/test-app';
import { createTestDatabase, describeDatabase, TestDatabase } from '../support/test-database';
import { DbQueries } from '../support/db-queries';

describeDatabase('boot checks', () => {
  let database: TestDatabase;

  beforeEach(() => {
    database = createTestDatabase();
  });

  afterEach(async () => {
    await database.drop();
  });

  it('should refuse to start with pending migrations when not told to apply them, naming them and the fix', async () => {
    const config = database.config({ MIGRATIONS_RUN_ON_BOOT: 'false' });
    await expect(createTestApp(config)).rejects.toThrow(
      /not at the latest migration; pending: Migration20261125000000_initial(, Migration\w+)*\. Run `npm run migration:up`.*MIGRATIONS_RUN_ON_BOOT=true/,
    );
  });

  it('should apply pending migrations when told to, and start cleanly the next time with nothing pending', async () => {
    const first = await createTestApp(database.config({ MIGRATIONS_RUN_ON_BOOT: 'true' }));
    expect(await new DbQueries(first).count('ingestion_requests')).toBe(0);
    await first.close();

    const second = await createTestApp(database.config({ MIGRATIONS_RUN_ON_BOOT: 'false' }));
    expect(await new DbQueries(second).count('chunk_vectors')).toBe(0);
    await second.close();
  });

  it('should refuse to start when the embedder dimension differs from the vector column, naming both and the way out', async () => {
    const config = database.config({ MIGRATIONS_RUN_ON_BOOT: 'true', EMBEDDING_DIMENSION: '768' });
    await expect(createTestApp(config)).rejects.toThrow(
      /has dimension 384, but the embedder "hashing" produces 768\. Set EMBEDDING_DIMENSION=384.*migration/,
    );
  });
});
