import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/core';
import { loadConfig } from '../src/config/app-config';
import { createOrmOptions } from '../src/database/mikro-orm.config';
import { tableName, SqlEntityManager } from '../src/database/sql';
import { COLLECTION_NAME } from '../src/common/collection';

/**
 * Puts completed and failed ingestions back in the queue so the poller chunks and embeds them again with
 * the current embedder (after a model change). Their text is kept, so nothing needs re-uploading; chunk ids
 * are derived from the ingestion id and index, so the new chunks replace the old ones under the same ids,
 * in one transaction per ingestion. Requests already queued or running are left alone.
 */
export async function requeueForReembedding(em: SqlEntityManager, collection?: string): Promise<number> {
  const rows = await em.execute(
    `update ${tableName(em, 'ingestion_requests')}
        set status = 'accepted', attempts = 0, error_message = null, next_attempt_at = now(), completed_at = null,
            locked_at = null, locked_by = null, updated_at = now()
      where status in ('completed', 'failed') and (?::text is null or collection = ?)
      returning id`,
    [collection ?? null, collection ?? null],
  );
  return rows.length;
}

/** `npm run reembed [-- --collection <name>]` against DATABASE_URL (or the embedded database, service stopped). */
async function main(args: string[]): Promise<void> {
  const flag = args.indexOf('--collection');
  const collection = flag === -1 ? undefined : args[flag + 1];
  if (collection !== undefined && !COLLECTION_NAME.test(collection))
    throw new Error(`usage: reembed [--collection <name>]; bad name "${collection}"`);
  const orm = await MikroORM.init(createOrmOptions(loadConfig()));
  try {
    const count = await requeueForReembedding(orm.em.fork() as SqlEntityManager, collection);
    console.log(`Queued ${count} ingestion(s)${collection ? ` of collection "${collection}"` : ''} for re-embedding; the poller processes them.`);
  } finally {
    await orm.close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
