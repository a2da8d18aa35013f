import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/core';
import type { Migrator } from '@mikro-orm/migrations';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config/app-config';
import { createOrmOptions } from '../src/database/mikro-orm.config';
import { describeSchema } from '../src/database/schema-description';
import type { SqlEntityManager } from '../src/database/sql';

/** `npm run schema:doc`: migrates an in-memory embedded database and writes its tables to docs/schema.md. */
async function main(): Promise<void> {
  delete process.env.DATABASE_URL;
  process.env.DATA_DIR = 'memory://schema-doc';
  const config = loadConfig();
  const orm = await MikroORM.init({ ...createOrmOptions(config), debug: false });
  try {
    await (orm.migrator as unknown as Migrator).up();
    const markdown = await describeSchema(orm.em.fork() as unknown as SqlEntityManager, config.DB_SCHEMA);
    const target = join(__dirname, '..', '..', 'docs', 'schema.md');
    writeFileSync(target, markdown);
    console.log(`Wrote ${target}`);
  } finally {
    await orm.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
