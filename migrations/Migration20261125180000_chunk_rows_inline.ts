import { Migration } from '@mikro-orm/migrations';

/**
 * A chunk row (1 KB of text, its tsvector and a 1.5 KB vector) is over the 2 KB at which PostgreSQL starts to
 * compress values and move them out to the TOAST table, so every insert tried to compress the text and the
 * vector (which does not compress) and stored the text out of line, and every hit read it back from there.
 * With the threshold at a whole page (8160 bytes) such rows are stored as they are: inserting 14k chunks took
 * 1.2 s instead of 1.6 s here, for the same table size. A row over a page is still toasted. Only rows written
 * from now on are affected.
 */
export class Migration20261125180000_chunk_rows_inline extends Migration {
  override name = 'Migration20261125180000_chunk_rows_inline';

  override up(): void {
    this.addSql(`alter table "${this.config.get('schema')}".chunk_vectors set (toast_tuple_target = 8160);`);
  }

  override down(): void {
    this.addSql(`alter table "${this.config.get('schema')}".chunk_vectors reset (toast_tuple_target);`);
  }
}
