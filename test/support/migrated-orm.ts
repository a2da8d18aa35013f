import { MikroORM } from '@mikro-orm/core';
import type { Migrator } from '@mikro-orm/migrations';
import type { AppConfig } from '../../src/config/app-config';
import { createOrmOptions } from '../../src/database/mikro-orm.config';
import type { SqlEntityManager } from '../../src/database/sql';

/** A bare database at the latest migration, without the app: for suites that test SQL directly. */
export async function migratedOrm(config: AppConfig): Promise<{ em: () => SqlEntityManager; close: () => Promise<void> }> {
  const orm = await MikroORM.init(createOrmOptions(config));
  try {
    await (orm.migrator as unknown as Migrator).up();
  } catch (error) {
    await orm.close();
    throw error;
  }
  return { em: () => orm.em.fork() as unknown as SqlEntityManager, close: () => orm.close() };
}
