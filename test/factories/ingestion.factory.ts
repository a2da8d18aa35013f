import type { NewIngestion } from '../../src/queue/submission.service';

/** A small document about `topic`, chunked into a few pieces. */
export function newIngestion(overrides: Partial<NewIngestion> = {}): NewIngestion {
  return {
    text: [
      'PostgreSQL is a relational database with a long history.',
      'The pgvector extension adds vector similarity search to PostgreSQL.',
      'Fastify is a fast web framework for Node.js.',
      'Bread is baked from flour, water, salt and yeast.',
    ].join('\n\n'),
    sourceMetadata: { source: 'factory.md' },
    chunking: { strategy: 'fixed', chunk_size: 80, chunk_overlap: 10 },
    ...overrides,
  };
}
