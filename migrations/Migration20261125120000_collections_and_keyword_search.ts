import { Migration } from '@mikro-orm/migrations';

/**
 * Collections (named corpora in one deployment), per-chunk metadata and token counts, and keyword search.
 * `chunk_metadata` may also be added by another branch's migration: `if not exists` lets both apply.
 */
export class Migration20261125120000_collections_and_keyword_search extends Migration {
  override name = 'Migration20261125120000_collections_and_keyword_search';

  override up(): void {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`alter table ${s}.ingestion_requests add column if not exists collection text not null default 'default';`);
    this.addSql(`alter table ${s}.chunk_vectors add column if not exists collection text not null default 'default';`);
    this.addSql(`alter table ${s}.chunk_vectors add column if not exists chunk_metadata jsonb not null default '{}';`);
    this.addSql(`alter table ${s}.chunk_vectors add column if not exists token_count integer;`);
    // 'english' drops stop words and stems, so "what does ERR-7F3A9 mean" matches on the code; the parser keeps
    // hyphenated codes both whole (err-7f3a9) and as parts (err, 7f3a9). Generated, so it can never go stale.
    this.addSql(
      `alter table ${s}.chunk_vectors add column if not exists chunk_tsv tsvector generated always as (to_tsvector('english', chunk_text)) stored;`,
    );
    this.addSql(`create index if not exists chunk_vectors_tsv_gin on ${s}.chunk_vectors using gin (chunk_tsv);`);
    // Every search filters on collection; created_at completes the range filter within a collection.
    this.addSql(`create index if not exists chunk_vectors_collection_created_idx on ${s}.chunk_vectors (collection, created_at);`);
    // jsonb_path_ops serves `source_metadata @> {...}` and is smaller than the default jsonb_ops.
    this.addSql(`create index if not exists chunk_vectors_source_metadata_gin on ${s}.chunk_vectors using gin (source_metadata jsonb_path_ops);`);
    this.addSql(`create index if not exists ingestion_requests_collection_idx on ${s}.ingestion_requests (collection, created_at);`);
  }

  override down(): void {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`drop index if exists ${s}.ingestion_requests_collection_idx;`);
    this.addSql(`drop index if exists ${s}.chunk_vectors_source_metadata_gin;`);
    this.addSql(`drop index if exists ${s}.chunk_vectors_collection_created_idx;`);
    this.addSql(`drop index if exists ${s}.chunk_vectors_tsv_gin;`);
    this.addSql(`alter table ${s}.chunk_vectors drop column if exists chunk_tsv;`);
    this.addSql(`alter table ${s}.chunk_vectors drop column if exists token_count;`);
    this.addSql(`alter table ${s}.chunk_vectors drop column if exists collection;`);
    this.addSql(`alter table ${s}.ingestion_requests drop column if exists collection;`);
  }
}
