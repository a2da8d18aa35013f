import type { ChunkingOptions } from './chunking-options';
import { MarkdownChunker } from './markdown.chunker';

const DOC = `Preface before any heading.

# Guide

The guide explains the service.

## Install

### Linux

Run the installer. Then start it.

\`\`\`sh
# a comment, not a heading
make install
\`\`\`

## Use

Post a document. Poll its status. Search its chunks.
`;

const options = (chunk_size: number, chunk_overlap = 0): ChunkingOptions => ({ strategy: 'markdown', chunk_size, chunk_overlap });

describe(MarkdownChunker.name, () => {
  const sut = new MarkdownChunker();

  it('should give each section its own chunks with the heading path and exact offsets', () => {
    const chunks = sut.split(DOC, options(200));
    expect(chunks.map((c) => [c.text, c.metadata.heading_path])).toEqual([
      ['Preface before any heading.', []],
      ['# Guide\n\nThe guide explains the service.', ['Guide']],
      [
        '## Install\n\n### Linux\n\nRun the installer. Then start it.\n\n```sh\n# a comment, not a heading\nmake install\n```',
        ['Guide', 'Install', 'Linux'],
      ],
      ['## Use\n\nPost a document. Poll its status. Search its chunks.', ['Guide', 'Use']],
    ]);
    for (const chunk of chunks) expect(DOC.slice(chunk.start, chunk.end)).toBe(chunk.text);
    expect(chunks[1].start).toBe(DOC.indexOf('# Guide'));
  });

  it('should never leave a heading without the start of its first paragraph', () => {
    const chunks = sut.split(DOC, options(40));
    for (const chunk of chunks) {
      const lines = chunk.text.split('\n').filter((line) => line.trim() !== '');
      if (/^#{1,6} /.test(lines.at(-1)!) && !lines.at(-1)!.startsWith('# a comment')) throw new Error(`heading alone: ${chunk.text}`);
    }
    expect(chunks.find((c) => c.text.startsWith('## Use'))!.text).toBe('## Use\n\nPost a document.');
    expect(chunks.filter((c) => c.text.includes('Search its chunks')).map((c) => c.metadata.heading_path)).toEqual([['Guide', 'Use']]);
  });

  it('should ignore # lines inside fenced code', () => {
    const paths = sut.split(DOC, options(40)).map((c) => (c.metadata.heading_path as string[]).join(' > '));
    expect(paths).not.toContain(expect.stringContaining('a comment'));
  });

  it('should give identical chunks for the same text', () => {
    expect(sut.split(DOC, options(60, 20))).toEqual(sut.split(DOC, options(60, 20)));
  });

  it('should honour sizes in tokens', () => {
    const chunks = sut.split(DOC.repeat(3), { ...options(24, 4), size_unit: 'tokens' });
    for (const chunk of chunks) expect(chunk.tokenCount).toBeLessThanOrEqual(24);
  });
});
