import { Migration } from '@mikro-orm/migrations';

/**
 * pgvector stores `vector` as EXTERNAL: in a row over ~2 KB (a 384-d vector is 1.5 KB, next to the chunk's
 * text and tsvector) the vector is the largest value, so PostgreSQL moves it out of line into the TOAST table.
 * Every exact distance (the unindexed tail, small segments, filtered scans) then costs a TOAST lookup, and
 * every insert a TOAST insert. MAIN keeps the vector in the row and moves the text out instead: an exact scan
 * of 14k chunks took 26 ms instead of 53 ms here. Only rows written from now on are affected.
 */
export class Migration20261125170000_embedding_stored_inline extends Migration {
  override name = 'Migration20261125170000_embedding_stored_inline';

  override up(): void {
    this.addSql(`alter table "${this.config.get('schema')}".chunk_vectors alter column embedding set storage main;`);
  }

  override down(): void {
    this.addSql(`alter table "${this.config.get('schema')}".chunk_vectors alter column embedding set storage external;`);
  }
}
