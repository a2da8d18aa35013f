import fc from 'fast-check';
import { countTokens as countWhole } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokens } from './tokenizer';

describe(countTokens.name, () => {
  /** Words, numbers, contractions, punctuation and every kind of whitespace the piece pattern tells apart. */
  const PIECES = [
    'hello',
    ' world',
    'Ledger',
    "'s",
    "'LL",
    'naïve',
    '港口',
    '🚢',
    '123',
    '4567',
    ' ',
    '  ',
    '\t',
    '\n',
    '\n\n',
    '\r\n',
    ' \n ',
    '!!',
    ' ...',
    '—',
    '#',
    '-',
    'x'.repeat(40),
  ];

  it('should count exactly what gpt-tokenizer counts for the whole text', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 100 }), (pieces, noise) => {
        const text = pieces.join('') + noise;
        if (/<\|[a-z_]+\|>/.test(text)) return;
        expect(countTokens(text)).toBe(countWhole(text));
      }),
      { numRuns: 500 },
    );
  });

  it('should count made-up words exactly as gpt-tokenizer does (its own merge, for ASCII)', () => {
    const word = fc.string({ unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzEQX0123456789'-_.,;:!?"), minLength: 1, maxLength: 24 });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(' ', '', '\n', '  ', '\t'), word), { maxLength: 60 }), (words) => {
        const text = words.map(([space, w]) => space + w).join('');
        expect(countTokens(text)).toBe(countWhole(text));
      }),
      { numRuns: 1000 },
    );
  });

  it('should count the same text the same way again, from what it remembers', () => {
    const text = 'The ledger of the harbour, 1902–1911: ships’ names, tonnage and cargo.\n\n'.repeat(20);
    expect(countTokens(text)).toBe(countWhole(text));
    expect(countTokens(text)).toBe(countWhole(text));
  });

  it('should count text that spells a special token as plain text rather than refuse it', () => {
    expect(countTokens('see <|endoftext|> here')).toBe(countWhole('see <|endoftext|> here', { disallowedSpecial: new Set() }));
  });
});
