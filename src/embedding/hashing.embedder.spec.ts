import { loadConfig } from '../config/app-config';
import { HashingEmbedder } from './hashing.embedder';

const cosine = (a: Float32Array, b: Float32Array) => a.reduce((sum, x, i) => sum + x * b[i], 0);

describe(HashingEmbedder.name, () => {
  const sut = new HashingEmbedder(loadConfig({ EMBEDDING_DIMENSION: '384' }));

  it('should produce unit vectors of the configured dimension', async () => {
    const [vector] = await sut.embed(['PostgreSQL stores vectors with pgvector']);
    expect(vector).toHaveLength(384);
    expect(cosine(vector, vector)).toBeCloseTo(1, 5);
  });

  it('should be deterministic', () => {
    expect(Array.from(sut.embedOne('the same text'))).toEqual(Array.from(new HashingEmbedder(loadConfig({})).embedOne('the same text')));
  });

  it('should rank a text sharing words above an unrelated one', () => {
    const query = sut.embedOne('vector similarity search in postgres');
    const related = sut.embedOne('pgvector adds vector similarity search to PostgreSQL');
    const unrelated = sut.embedOne('the recipe needs flour, butter and two eggs');
    expect(cosine(query, related)).toBeGreaterThan(0.3);
    expect(cosine(query, related)).toBeGreaterThan(cosine(query, unrelated) + 0.2);
  });

  it('should relate inflected forms of a word through character trigrams', () => {
    const base = sut.embedOne('ingestion');
    expect(cosine(base, sut.embedOne('ingesting'))).toBeGreaterThan(cosine(base, sut.embedOne('banana')));
  });

  it('should ignore case', () => {
    expect(Array.from(sut.embedOne('Vector SEARCH'))).toEqual(Array.from(sut.embedOne('vector search')));
  });

  it('should return a zero vector for text without words rather than NaN', () => {
    const vector = sut.embedOne('  ... !!! ');
    expect(Array.from(vector).every((x) => x === 0)).toBe(true);
  });

  it('should honour another dimension', () => {
    expect(new HashingEmbedder(loadConfig({ EMBEDDING_DIMENSION: '64' })).embedOne('hello world')).toHaveLength(64);
  });
});
