import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/core';
import type { Migrator } from '@mikro-orm/migrations';
import { loadConfig } from '../src/config/app-config';
import { createOrmOptions } from '../src/database/mikro-orm.config';

/** `node dist/scripts/migrate.js up|down|pending` against DATABASE_URL (or the embedded database). */
async function main(command: string | undefined): Promise<void> {
  if (!command || !['up', 'down', 'pending'].includes(command)) {
    throw new Error('usage: migrate up | down | pending');
  }
  const config = loadConfig();
  const orm = await MikroORM.init(createOrmOptions(config));
  try {
    const migrator = orm.migrator as unknown as Migrator;
    if (command === 'pending') {
      const pending = await migrator.getPending();
      console.log(pending.length ? `Pending migrations:\n${pending.map((m) => `  ${m.name}`).join('\n')}` : 'No pending migrations.');
      return;
    }
    const applied = command === 'up' ? await migrator.up() : await migrator.down();
    const verb = command === 'up' ? 'Applied' : 'Reverted';
    console.log(applied.length ? `${verb}:\n${applied.map((m) => `  ${m.name}`).join('\n')}` : 'Nothing to do.');
  } finally {
    await orm.close();
  }
}

main(process.argv[2]).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
