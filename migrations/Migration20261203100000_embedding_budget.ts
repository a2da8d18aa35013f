import { Migration } from '@mikro-orm/migrations';

/**
 * The embedding provider's concurrency budget, shared by every process on the database: how many requests the
 * provider takes at once (learned from its 429s), and which processes are using it now (each takes its share).
 */
export class Migration20261203100000_embedding_budget extends Migration {
  override name = 'Migration20261203100000_embedding_budget';

  override up(): void {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(
      `create table ${s}.embedding_budgets (
         provider text primary key,
         concurrency integer not null check (concurrency >= 1),
         updated_at timestamptz not null default now()
       );`,
    );
    this.addSql(
      `create table ${s}.embedding_budget_users (
         provider text not null,
         worker text not null,
         seen_at timestamptz not null default now(),
         primary key (provider, worker)
       );`,
    );
  }

  override down(): void {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`drop table ${s}.embedding_budget_users;`);
    this.addSql(`drop table ${s}.embedding_budgets;`);
  }
}
