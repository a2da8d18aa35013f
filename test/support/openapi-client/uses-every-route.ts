// Type-checked (tsc --strict) against the client types openapi-typescript generates from /docs/json:
// every route, every documented field, no cast. Compiling it is the test; it is never run.
import type { components, paths } from './api';

type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;
type Schemas = components['schemas'];

export function useEveryRoute(
  status: Json<paths['/v1/status/{id}']['get']['responses'][200]>,
  accepted: Json<paths['/v1/ingest']['post']['responses'][202]>,
  batch: Json<paths['/v1/ingest/batch']['post']['responses'][202]>,
  ingestion: Json<paths['/v1/ingest/{id}']['get']['responses'][200]>,
  listed: Json<paths['/v1/ingest']['get']['responses'][200]>,
  chunks: Json<paths['/v1/ingest/{id}/chunks']['get']['responses'][200]>,
  deleted: Json<paths['/v1/ingest/{id}']['delete']['responses'][200]>,
  uploaded: Json<paths['/v1/ingest/file']['post']['responses'][202]>,
  found: Json<paths['/v1/search']['post']['responses'][200]>,
  dropped: Json<paths['/v1/collections/{name}']['delete']['responses'][200]>,
  collections: Json<paths['/v1/collections']['get']['responses'][200]>,
  collection: Json<paths['/v1/collections/{name}']['get']['responses'][200]>,
  live: Json<paths['/health/live']['get']['responses'][200]>,
  ready: Json<paths['/health/ready']['get']['responses'][200]>,
  notReady: Json<paths['/health/ready']['get']['responses'][503]>,
  invalid: Json<paths['/v1/search']['post']['responses'][400]>,
  metrics: paths['/metrics']['get']['responses'][200]['content']['text/plain'],
): string[] {
  const seen: string[] = [status.id, status.status, status.created_at, status.updated_at];
  const attempts: number = status.attempts + status.max_attempts + (status.chunk_count ?? 0) + (status.document_version ?? 0);
  const optional: (string | null)[] = [status.error, status.next_attempt_at, status.superseded_by, status.started_at, status.completed_at, status.document_id];
  seen.push(accepted.id, accepted.status, accepted.status_url, accepted.outcome, accepted.created_at, String(attempts), String(accepted.document_version), accepted.document_id ?? '', ...optional.map(String));
  seen.push(...batch.ingestions.map((item) => item.status_url));
  seen.push(ingestion.collection, String(ingestion.text_length), ingestion.chunking.strategy ?? '', ingestion.source_metadata.source ?? '');
  seen.push(...listed.items.map((item) => `${item.id} ${item.collection} ${item.status} ${item.text_length}`), listed.next_cursor ?? '');
  seen.push(String(deleted.deleted), String(deleted.chunks_deleted + dropped.ingestions_deleted + dropped.chunks_deleted), dropped.collection);
  for (const { name, ingestions, chunks, updated_at } of [...collections.items, collection]) {
    const counts: number = ingestions.accepted + ingestions.running + ingestions.completed + ingestions.failed + ingestions.superseded;
    seen.push(name, updated_at, String(counts + chunks));
  }
  for (const chunk of chunks.items) {
    const offsets: number = chunk.chunk_index + chunk.start_offset + chunk.end_offset + (chunk.token_count ?? 0) + (chunk.metadata.page ?? 0);
    const embedding: number[] = chunk.embedding ?? [];
    seen.push(chunk.chunk_id, chunk.text, String(offsets), String(embedding.length), chunks.next_cursor ?? '');
  }
  const file = uploaded.id;
  for (const result of found.results) {
    const pages: number = (result.chunk_metadata.page ?? 0) + (result.chunk_metadata.page_end ?? 0);
    const headings: string[] = result.chunk_metadata.heading_path ?? [];
    const size: number = (result.source_metadata.size_bytes ?? 0) + (result.source_metadata.page_count ?? 0);
    const retrievers: ('vector' | 'keyword')[] = result.retrievers;
    const scores: number = result.score + (result.scores.vector ?? 0) + (result.scores.keyword ?? 0);
    const offsets: number = result.chunk_index + result.start_offset + result.end_offset + (result.token_count ?? 0);
    seen.push(result.chunk_id, result.ingestion_id, result.chunk_text, ...headings, ...retrievers, String(pages + size + scores + offsets));
    seen.push(result.source_metadata.file_name ?? '', result.source_metadata.sha256 ?? '', result.collection, result.created_at);
  }
  seen.push(found.mode, file, live.status, ...Object.values(ready.details).map((check) => check.status));
  // VALIDATION_FAILED details are the field-error array; NOT_READY details are the checks by name.
  if (Array.isArray(invalid.details)) seen.push(...invalid.details.flatMap((problem) => [problem.field, ...problem.messages]));
  if (notReady.details && !Array.isArray(notReady.details)) seen.push(...Object.keys(notReady.details));
  seen.push(String(invalid.statusCode), invalid.code, invalid.message, metrics);
  return seen;
}

export const requests = {
  ingest: { text: 'hello', collection: 'support', chunking: { chunk_size: 200 } } satisfies Json<paths['/v1/ingest']['post']['requestBody']>,
  batch: { documents: [{ text: 'hello' }] } satisfies Json<paths['/v1/ingest/batch']['post']['requestBody']>,
  byText: { query: 'hello', mode: 'hybrid', top_k: 5 } satisfies Schemas['SearchRequestDto'],
  byVector: { vector: [0.1, 0.2], min_score: 0.2 } satisfies Schemas['SearchRequestDto'],
  // @ts-expect-error request bodies are closed: the server refuses unknown fields
  unknownField: { text: 'hello', colour: 'blue' } satisfies Json<paths['/v1/ingest']['post']['requestBody']>,
};
