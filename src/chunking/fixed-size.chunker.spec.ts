import { FixedSizeChunker } from './fixed-size.chunker';
import { chunkId } from './chunk-id';
import { countTokens } from './tokenizer';

describe(FixedSizeChunker.name, () => {
  const sut = new FixedSizeChunker();
  const options = (chunk_size: number, chunk_overlap: number) => ({ strategy: 'fixed' as const, chunk_size, chunk_overlap });
  const words = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');

  it('should return one chunk for a text shorter than the chunk size', () => {
    expect(sut.split('  short text  ', options(100, 10))).toEqual([{ index: 0, text: 'short text', start: 2, end: 12, tokenCount: 2, metadata: {} }]);
  });

  it('should keep every chunk within the size and its offsets pointing at its text', () => {
    const chunks = sut.split(words, options(100, 20));
    expect(chunks.length).toBeGreaterThan(20);
    for (const chunk of chunks) {
      expect(chunk.text.length).toBeLessThanOrEqual(100);
      expect(words.slice(chunk.start, chunk.end)).toBe(chunk.text);
    }
    expect(chunks.map((c) => c.index)).toEqual(chunks.map((_, i) => i));
  });

  it('should cover the whole text, with consecutive chunks overlapping', () => {
    const chunks = sut.split(words, options(100, 20));
    expect(chunks[0].start).toBe(0);
    expect(chunks.at(-1)!.end).toBe(words.length);
    for (let i = 1; i < chunks.length; i++) {
      expect(chunks[i].start).toBeLessThan(chunks[i - 1].end);
      expect(chunks[i].start).toBeGreaterThan(chunks[i - 1].start);
    }
  });

  it('should not cut words when whitespace is available', () => {
    for (const chunk of sut.split(words, options(100, 20))) {
      expect(chunk.text).toMatch(/^word\d+( word\d+)*$/);
    }
  });

  it('should cut a single very long token at the chunk size', () => {
    const chunks = sut.split('x'.repeat(250), options(100, 0));
    expect(chunks.map((c) => c.text.length)).toEqual([100, 100, 50]);
  });

  it('should always advance even when the overlap is almost the chunk size', () => {
    const chunks = sut.split('a'.repeat(40), options(16, 15));
    expect(chunks.length).toBeLessThanOrEqual(40);
    expect(chunks.at(-1)!.end).toBe(40);
  });

  it('should give the same chunks for the same input', () => {
    expect(sut.split(words, options(120, 30))).toEqual(sut.split(words, options(120, 30)));
  });

  it('should return no chunks for whitespace only', () => {
    expect(sut.split(' \n\t ', options(100, 10))).toEqual([]);
  });

  it('should count each chunk in tokens', () => {
    for (const chunk of sut.split(words, options(100, 20))) expect(chunk.tokenCount).toBe(countTokens(chunk.text));
  });

  it('should pack whole words into windows of at most chunk_size tokens when sized in tokens', () => {
    const chunks = sut.split(words, { ...options(50, 10), size_unit: 'tokens' });
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) {
      expect(chunk.tokenCount).toBeLessThanOrEqual(50);
      expect(words.slice(chunk.start, chunk.end)).toBe(chunk.text);
      expect(chunk.text).toMatch(/^word\d+( word\d+)*$/);
    }
    expect(chunks.at(-1)!.end).toBe(words.length);
    for (let i = 1; i < chunks.length; i++) expect(chunks[i].start).toBeLessThan(chunks[i - 1].end);
  });
});

describe('chunkId', () => {
  const ingestion = '3f1c6a0e-5b7d-4f43-9c55-0d8f4f2f7a10';

  it('should be a version 5 UUID that is stable for the same ingestion and index', () => {
    expect(chunkId(ingestion, 3)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(chunkId(ingestion, 3)).toBe(chunkId(ingestion, 3));
  });

  it('should differ across indexes and ingestions', () => {
    const other = '3f1c6a0e-5b7d-4f43-9c55-0d8f4f2f7a11';
    expect(new Set([chunkId(ingestion, 0), chunkId(ingestion, 1), chunkId(other, 0)]).size).toBe(3);
  });
});
