import fc from 'fast-check';
import type { Chunker, TextChunk } from './chunker';
import type { ChunkingOptions, ChunkStrategy } from './chunking-options';
import { FixedSizeChunker } from './fixed-size.chunker';
import { MarkdownChunker } from './markdown.chunker';
import { RecursiveChunker } from './recursive.chunker';
import { SentenceChunker } from './sentence.chunker';
import type { StreamTuning } from './streaming';
import { TextSource, TextWindow } from './text-source';

const CHUNKERS: Record<ChunkStrategy, Chunker> = {
  fixed: new FixedSizeChunker(),
  recursive: new RecursiveChunker(),
  sentence: new SentenceChunker(),
  markdown: new MarkdownChunker(),
};

async function collect(chunks: AsyncIterable<TextChunk>): Promise<TextChunk[]> {
  const all: TextChunk[] = [];
  for await (const chunk of chunks) all.push(chunk);
  return all;
}

/** Pieces that make the separators, headings, fences, quotes and surrogate pairs meet part boundaries. */
const PIECES = [
  'word',
  'ledger',
  'x'.repeat(70),
  ' ',
  ' ',
  '  ',
  '\t',
  '\n',
  '\n',
  '\n\n',
  '\n \n',
  '\r\n',
  '. ',
  '! ',
  '? ',
  '." ',
  ') ',
  '# Title\n',
  '## Sub heading\n',
  '### Deep\n',
  '```\n',
  '~~~\n',
  '😀',
  '。',
  '\u00a0',
  '\u2028',
  'naïve',
  '\n\n\n   ',
];
const arbitraryText = fc.array(fc.constantFrom(...PIECES), { maxLength: 600, size: 'large' }).map((pieces) => pieces.join(''));

function englishLike(chars: number, seed: number): string {
  const words = ['the', 'ledger', 'of', 'harbour', 'ships', 'and', 'a', 'quiet', 'morning', 'walrus', 'revenue', 'report'];
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  let text = '';
  while (text.length < chars) {
    const sentence = Array.from({ length: 4 + Math.floor(next() * 12) }, () => words[Math.floor(next() * words.length)]).join(' ');
    text += `${sentence[0].toUpperCase()}${sentence.slice(1)}. `;
    if (next() < 0.15) text += next() < 0.3 ? `\n\n## Part ${Math.floor(next() * 100)}\n\n` : '\n\n';
  }
  return text;
}

describe('streamed chunking', () => {
  const strategies = Object.keys(CHUNKERS) as ChunkStrategy[];

  async function expectSameChunks(text: string, options: ChunkingOptions, partLength: number, tuning?: StreamTuning): Promise<void> {
    const chunker = CHUNKERS[options.strategy];
    const streamed = await collect(chunker.stream(TextSource.of(text, partLength), options, tuning));
    expect(streamed).toEqual(chunker.split(text, options));
  }

  /** Nothing held whole, reading a few characters at a time: every streaming path, at every boundary. */
  const tunings = fc.constantFrom<StreamTuning | undefined>(
    { holdChars: 0, readAhead: 1 },
    { holdChars: 30, readAhead: 7 },
    { holdChars: 400, readAhead: 50 },
    undefined,
  );

  it.each(strategies)('should give exactly the chunks split() gives, %s, for any text, part length and size', async (strategy) => {
    await fc.assert(
      fc.asyncProperty(
        arbitraryText,
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 16, max: 160 }),
        fc.integer({ min: 0, max: 100 }),
        tunings,
        async (text, partLength, size, overlapPercent, tuning) => {
          const options: ChunkingOptions = { strategy, chunk_size: size, chunk_overlap: Math.floor((size - 1) * (overlapPercent / 100)) };
          await expectSameChunks(text, options, partLength, tuning);
        },
      ),
      { numRuns: 300 },
    );
  });

  it.each(strategies)('should give exactly the chunks split() gives, %s, in tokens', async (strategy) => {
    await fc.assert(
      fc.asyncProperty(
        arbitraryText,
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 8, max: 40 }),
        tunings,
        async (text, partLength, size, tuning) => {
          await expectSameChunks(text, { strategy, chunk_size: size, chunk_overlap: Math.floor(size / 4), size_unit: 'tokens' }, partLength, tuning);
        },
      ),
      { numRuns: 100 },
    );
  });

  it.each(strategies)('should give exactly the chunks split() gives, %s, for a long English-like text in many parts', async (strategy) => {
    const text = englishLike(300_000, 7);
    await expectSameChunks(text, { strategy, chunk_size: 1000, chunk_overlap: 200 }, 10_007, { holdChars: 2_000, readAhead: 3_000 });
  });

  it('should keep to the same chunks when a paragraph, a line or a section is longer than what is held whole', async () => {
    const noBlankLines = englishLike(50_000, 3).replace(/\n+/g, '\n');
    const oneLine = englishLike(50_000, 4).replace(/\s+/g, ' ');
    for (const text of [noBlankLines, oneLine, `# Only heading\n\n${oneLine}`, `${' '.repeat(5000)}${oneLine}${'\n'.repeat(5000)}`]) {
      for (const strategy of strategies)
        await expectSameChunks(text, { strategy, chunk_size: 300, chunk_overlap: 50 }, 997, { holdChars: 1_000, readAhead: 500 });
    }
  });
});

describe(TextWindow.name, () => {
  const text = 'abcdefghijklmnopqrstuvwxyz';

  it('should hold what it is asked to cover, reading whole parts, and forget what it is released from', async () => {
    const sut = new TextWindow(TextSource.of(text, 5));
    await sut.cover(3, 7);
    expect(sut.slice(3, 7)).toBe('defg');
    expect(sut.end).toBe(10);
    sut.release(6);
    expect(sut.start).toBe(6);
    await sut.cover(6, 30);
    expect(sut.text).toBe('ghijklmnopqrstuvwxyz');
  });

  it('should start again from the part holding a position before what it holds', async () => {
    const sut = new TextWindow(TextSource.of(text, 5));
    await sut.cover(20, 22);
    await sut.cover(1, 2);
    expect(sut.slice(1, 2)).toBe('b');
  });

  it('should refuse a source whose parts end before its length', async () => {
    const sut = new TextWindow(new TextSource(10, () => Promise.resolve('')));
    await expect(sut.cover(0, 10)).rejects.toThrow('the text ended at 0 of 10 characters');
  });
});
