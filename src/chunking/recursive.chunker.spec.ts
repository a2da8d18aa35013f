import { ChunkingOptions, resolveChunkingOptions } from './chunking-options';
import { RecursiveChunker } from './recursive.chunker';
import { SentenceChunker } from './sentence.chunker';

const TEXT = [
  'Invoices go out on the first working day. They are paid within thirty days.',
  'Refunds need a receipt.\nThey take a week.',
  'A very long paragraph follows here. It has several sentences in it. Each one is short. Together they are long enough to be split.',
].join('\n\n');

const options = (strategy: ChunkingOptions['strategy'], chunk_size: number, chunk_overlap = 0, size_unit?: 'tokens'): ChunkingOptions => ({
  strategy,
  chunk_size,
  chunk_overlap,
  size_unit,
});

function expectExactSlices(text: string, chunks: { text: string; start: number; end: number }[]) {
  for (const chunk of chunks) expect(text.slice(chunk.start, chunk.end)).toBe(chunk.text);
}

describe(RecursiveChunker.name, () => {
  const sut = new RecursiveChunker();

  it('should pack whole paragraphs while they fit', () => {
    const chunks = sut.split(TEXT, options('recursive', 140));
    const [first, second, third] = TEXT.split('\n\n');
    expect(chunks.map((c) => c.text)).toEqual([`${first}\n\n${second}`, third]);
    expectExactSlices(TEXT, chunks);
  });

  it('should split a paragraph that is too large at line breaks, then at sentence ends', () => {
    const chunks = sut.split(TEXT, options('recursive', 80));
    expect(chunks.map((c) => c.text)).toEqual([
      'Invoices go out on the first working day. They are paid within thirty days.',
      'Refunds need a receipt.\nThey take a week.',
      'A very long paragraph follows here. It has several sentences in it.',
      'Each one is short. Together they are long enough to be split.',
    ]);
    expectExactSlices(TEXT, chunks);
  });

  it('should fall back to words, and cut a word only when it alone is too large', () => {
    const chunks = sut.split(`${'a'.repeat(40)} tail words`, options('recursive', 16));
    expect(chunks.map((c) => c.text)).toEqual(['a'.repeat(16), 'a'.repeat(16), 'a'.repeat(8), 'tail words']);
  });

  it('should repeat trailing pieces up to the overlap', () => {
    const chunks = sut.split('one two three four five six seven eight nine ten', options('recursive', 20, 10));
    // Sizes include the space that ends each word: "four " is the only trailing piece within 10 characters.
    expect(chunks.map((c) => c.text)).toEqual(['one two three four', 'four five six seven', 'six seven eight', 'eight nine ten']);
  });

  it('should keep chunks within a size counted in tokens', () => {
    const chunks = sut.split(TEXT.repeat(5), options('recursive', 20, 5, 'tokens'));
    for (const chunk of chunks) expect(chunk.tokenCount).toBeLessThanOrEqual(20);
    expectExactSlices(TEXT.repeat(5), chunks);
  });

  it('should give the same chunks for the same input', () => {
    expect(sut.split(TEXT, options('recursive', 50, 10))).toEqual(sut.split(TEXT, options('recursive', 50, 10)));
  });
});

describe(SentenceChunker.name, () => {
  const sut = new SentenceChunker();

  it('should pack whole sentences, across paragraphs, and end every chunk at a sentence end', () => {
    const chunks = sut.split(TEXT, options('sentence', 90));
    expect(chunks.map((c) => c.text)).toEqual([
      'Invoices go out on the first working day. They are paid within thirty days.',
      'Refunds need a receipt.\nThey take a week.\n\nA very long paragraph follows here.',
      'It has several sentences in it. Each one is short.',
      'Together they are long enough to be split.',
    ]);
    for (const chunk of chunks) expect(chunk.text).toMatch(/[.!?]$/);
    expectExactSlices(TEXT, chunks);
  });

  it('should repeat whole trailing sentences as the overlap', () => {
    const chunks = sut.split('First one. Second one. Third one. Fourth one.', options('sentence', 24, 12));
    expect(chunks.map((c) => c.text)).toEqual(['First one. Second one.', 'Second one. Third one.', 'Third one. Fourth one.']);
  });

  it('should cut a sentence longer than a chunk between words', () => {
    const chunks = sut.split('This single sentence is far longer than the tiny chunk size allows.', options('sentence', 20));
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks) expect(chunk.text.length).toBeLessThanOrEqual(20);
  });
});

describe(resolveChunkingOptions.name, () => {
  const defaults = { strategy: 'fixed' as const, chunkSize: 1000, chunkOverlap: 200 };

  it('should fill in server defaults, keeping the default overlap below half a requested size', () => {
    expect(resolveChunkingOptions({}, defaults).options).toEqual({
      strategy: 'fixed',
      chunk_size: 1000,
      chunk_overlap: 200,
      size_unit: 'characters',
    });
    expect(resolveChunkingOptions({ strategy: 'markdown', chunk_size: 100 }, defaults).options).toMatchObject({ chunk_overlap: 50 });
  });

  it('should check the size against the bounds of its unit and the overlap against the size', () => {
    expect(resolveChunkingOptions({ chunk_size: 10 }, defaults).problem?.field).toBe('chunking.chunk_size');
    expect(resolveChunkingOptions({ chunk_size: 10, size_unit: 'tokens' }, defaults).problem).toBeUndefined();
    expect(resolveChunkingOptions({ chunk_size: 9000, size_unit: 'tokens' }, defaults).problem?.message).toBe(
      'chunk_size in tokens must be between 8 and 8192',
    );
    expect(resolveChunkingOptions({ chunk_size: 100, chunk_overlap: 100 }, defaults).problem?.field).toBe('chunking.chunk_overlap');
  });
});
