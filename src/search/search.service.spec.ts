import type { SearchHit } from '../vector-store/vector-store';
import { fuse } from './search.service';

const hit = (chunkId: string, score: number): SearchHit => ({
  chunkId,
  ingestionId: 'i',
  collection: 'default',
  chunkIndex: 0,
  chunkStrategy: 'fixed',
  chunkText: chunkId,
  startOffset: 0,
  endOffset: 1,
  tokenCount: 1,
  chunkMetadata: {},
  sourceMetadata: {},
  createdAt: new Date(0),
  score,
});

describe(fuse.name, () => {
  it('should rank a chunk found by both retrievers above chunks found by one, by reciprocal rank', () => {
    const sut = fuse({ vector: [hit('a', 0.9), hit('b', 0.8), hit('c', 0.7)], keyword: [hit('c', 0.2), hit('d', 0.1)] });
    // b (vector rank 2) and d (keyword rank 2) tie at 1/62: chunk id decides.
    expect(sut.map((r) => r.hit.chunkId)).toEqual(['c', 'a', 'b', 'd']);
    expect(sut[0]).toMatchObject({ retrievers: ['vector', 'keyword'], scores: { vector: 0.7, keyword: 0.2 } });
    expect(sut[0].score).toBeCloseTo(1 / 63 + 1 / 61, 10);
    expect(sut[1]).toMatchObject({ retrievers: ['vector'], scores: { vector: 0.9 }, score: 1 / 61 });
  });

  it('should break ties by chunk id so equal inputs give equal outputs', () => {
    const sut = fuse({ vector: [hit('y', 0.5)], keyword: [hit('x', 0.5)] });
    expect(sut.map((r) => r.hit.chunkId)).toEqual(['x', 'y']);
  });
});
