import { createHash } from 'node:crypto';

/**
 * Deterministic chunk id: a name-based (version 5, SHA-1) UUID in the ingestion's own namespace, so the
 * same ingestion and chunk index always give the same id and a retry overwrites rather than duplicates.
 */
export function chunkId(ingestionId: string, chunkIndex: number): string {
  const namespace = Buffer.from(ingestionId.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(namespace).update(String(chunkIndex)).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
