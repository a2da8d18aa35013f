import { Pool } from 'pg';

/**
 * Bench tables live in schemas of their own (`bench_*`), dropped and recreated per run, on the same server as
 * the service's tables so every figure in one run is measured against the same database.
 */
export function createPool(url: string, options: { maintenanceWorkMem?: string; max?: number } = {}): Pool {
  // Serial HNSW builds: pgvector below 0.8.2 has CVE-2026-3172 in parallel builds.
  const settings = ['-c max_parallel_maintenance_workers=0'];
  if (options.maintenanceWorkMem) settings.push(`-c maintenance_work_mem=${options.maintenanceWorkMem}`);
  return new Pool({ connectionString: url, max: options.max ?? 4, options: settings.join(' ') });
}

export async function recreateSchema(pool: Pool, schema: string): Promise<void> {
  await pool.query(`drop schema if exists "${schema}" cascade`);
  await pool.query(`create schema "${schema}"`);
}

export async function pgvectorVersion(pool: Pool): Promise<string> {
  const { rows } = await pool.query(`select extversion from pg_extension where extname = 'vector'`);
  return rows[0]?.extversion ?? 'not installed';
}

export async function serverVersion(pool: Pool): Promise<string> {
  const { rows } = await pool.query('show server_version');
  return rows[0].server_version;
}
