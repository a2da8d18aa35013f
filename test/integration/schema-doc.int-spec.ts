import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeSchema } from '../../src/database/schema-description';
import { describeDatabase } from '../support/test-database';
import { useMigratedDatabase } from '../support/use-test-app';

const SCHEMA_DOC = join(__dirname, '..', '..', 'docs', 'schema.md');

/** docs/schema.md is what the migrations leave: a migration without `npm run schema:doc` fails here. */
describeDatabase('docs/schema.md', () => {
  const migrated = useMigratedDatabase();

  it('should describe the tables exactly as a freshly migrated database holds them (run npm run schema:doc after a migration)', async () => {
    const described = await describeSchema(migrated.em(), migrated.database.config().DB_SCHEMA);
    expect(described).toContain('## ingestion_requests');
    expect(described).toContain('## chunk_vectors');
    expect(described).toBe(readFileSync(SCHEMA_DOC, 'utf8'));
  });
});
