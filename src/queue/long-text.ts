import { executeBound, SqlEntityManager } from '../database/sql';
import { jobsTable } from './sql/jobs';

/**
 * Texts up to this many characters travel with the claim and are processed in memory, in batches. A longer
 * one is read in parts (openTextParts) and processed window by window: a claim never carries megabytes.
 */
export const CLAIMED_TEXT_LIMIT = 262_144;

/**
 * Bytes of a long text read at a time: a part, as a string, stays below V8's 128 KB limit for young objects.
 * Larger strings go straight to the old generation, where a 50 MB text's parts pile up as garbage until a
 * full collection.
 */
const TEXT_PART_BYTES = 32 * 1024;
const TEXT_CURSOR = 'long_text_parts';
const utf8 = new TextDecoder('utf-8');

/** The characters that start in the first TEXT_PART_BYTES of `bytes` (which holds 3 more, for the last one's tail). */
function decodePart(bytes: Uint8Array): string {
  const continues = (i: number) => i < bytes.length && (bytes[i] & 0xc0) === 0x80;
  let start = 0;
  while (continues(start)) start++; // the tail of a character that started in the previous part
  let end = Math.min(TEXT_PART_BYTES, bytes.length);
  while (continues(end)) end++;
  return utf8.decode(bytes.subarray(start, end));
}

/** A new large object holding the bytes, written part by part in `tx`, so an upload is never held whole; returns its oid. */
export async function writeLargeObject(tx: SqlEntityManager, bytes: AsyncIterable<Uint8Array>): Promise<number> {
  const [{ oid }] = await executeBound<{ oid: number | string }>(tx, `select lo_from_bytea(0, ''::bytea) as oid`, []);
  let offset = 0;
  for await (const part of bytes) {
    await executeBound(tx, `select lo_put($1::oid, $2::bigint, $3::bytea)`, [oid, offset, part]);
    offset += part.length;
  }
  return Number(oid);
}

export async function unlinkLargeObject(tx: SqlEntityManager, oid: number): Promise<void> {
  await executeBound(tx, `select lo_unlink($1::oid)`, [oid]);
}

/**
 * Reads a request's text in parts, in `tx`: part i is the characters that start in bytes [i·P, (i+1)·P) of
 * its UTF-8 form (P = TEXT_PART_BYTES). A scroll cursor over those bytes, so PostgreSQL detoasts the text
 * once (`substr` by characters would decompress it from its start for every part: minutes for 50 MB).
 */
export async function openTextParts(tx: SqlEntityManager, id: string): Promise<(index: number) => Promise<string>> {
  await executeBound(
    tx,
    // offset 0 keeps the subquery from being flattened, which would convert the whole text again for each part.
    `declare ${TEXT_CURSOR} scroll cursor for
       select substring(b from g * ${TEXT_PART_BYTES} + 1 for ${TEXT_PART_BYTES + 3}) as part
         from (select convert_to(text, 'UTF8') as b from ${jobsTable(tx)} where id = $1 offset 0) as t,
              generate_series(0, (octet_length(b) - 1) / ${TEXT_PART_BYTES}) as g`,
    [id],
  );
  return async (index) => {
    const [row] = await executeBound<{ part: Uint8Array }>(tx, `fetch absolute ${Math.trunc(index) + 1} from ${TEXT_CURSOR}`, []);
    return row ? decodePart(row.part) : '';
  };
}
