import type { StartedPostgreSqlContainer } from '@testcontainers/postgresql';

/** Same pgvector release that docker-compose.yml pins (>= 0.8.2: free of CVE-2026-3172). */
export const PGVECTOR_IMAGE = 'pgvector/pgvector:0.8.2-pg17';

let container: StartedPostgreSqlContainer | undefined;

/** Starts a throwaway PostgreSQL + pgvector, or says why it cannot (no reachable Docker engine). */
export async function startTestcontainersDatabase(): Promise<{ url: string } | { skipReason: string }> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  try {
    await getContainerRuntimeClient();
  } catch (error) {
    return { skipReason: `no Docker engine is reachable (${error instanceof Error ? error.message.split('\n')[0] : String(error)})` };
  }
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  container = await new PostgreSqlContainer(PGVECTOR_IMAGE).withDatabase('ingestion_test').start();
  return { url: container.getConnectionUri() };
}

export async function stopTestcontainersDatabase(): Promise<void> {
  await container?.stop();
  container = undefined;
}
