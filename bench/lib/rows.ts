import { randomUUID } from 'node:crypto';
import { chunkId } from '../../src/chunking/chunk-id';
import { FixedSizeChunker } from '../../src/chunking/fixed-size.chunker';
import type { HashingEmbedder } from '../../src/embedding/hashing.embedder';

export const CHUNKING = { strategy: 'fixed' as const, chunk_size: 1000, chunk_overlap: 200 };

/** One chunk row as the service stores it (embedding included), for raw COPY and LangChain loads. */
export interface ChunkRow {
  chunkId: string;
  ingestionId: string;
  index: number;
  text: string;
  start: number;
  end: number;
  embedding: Float32Array;
}

/** Chunks and embeds `documents` exactly as the service's processor would. */
export function prepareRows(documents: string[], embedder: HashingEmbedder): ChunkRow[] {
  const chunker = new FixedSizeChunker();
  return documents.flatMap((text) => {
    const ingestionId = randomUUID();
    return chunker.split(text, CHUNKING).map((c) => ({
      chunkId: chunkId(ingestionId, c.index),
      ingestionId,
      index: c.index,
      text: c.text,
      start: c.start,
      end: c.end,
      embedding: embedder.embedOne(c.text),
    }));
  });
}

export function vectorLiteral(vector: Float32Array): string {
  return `[${Array.from(vector, (x) => (x === 0 ? '0' : x.toPrecision(7))).join(',')}]`;
}

/** COPY text format: backslash, tab, newline and carriage return are escaped. */
export function copyText(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/** The chunk_vectors columns a COPY of ChunkRows fills (the others take their defaults). */
export const CHUNK_COPY_COLUMNS =
  'chunk_id, ingestion_id, chunk_index, chunk_strategy, chunk_text, start_offset, end_offset, source_metadata, embedding';

/** One ChunkRow as a line of COPY text format, in CHUNK_COPY_COLUMNS order. */
export function chunkCopyLine(r: ChunkRow): string {
  return `${r.chunkId}\t${r.ingestionId}\t${r.index}\tfixed\t${copyText(r.text)}\t${r.start}\t${r.end}\t{}\t${vectorLiteral(r.embedding)}\n`;
}
