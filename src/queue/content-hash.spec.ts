import fc from 'fast-check';
import { hashOf, hashOfText } from './content-hash';

describe(hashOf.name, () => {
  it('should hash equal content equally whatever the key order', () => {
    expect(hashOf({ text: 'a', meta: { x: 1, y: [1, { b: 2, a: 1 }] } })).toBe(hashOf({ meta: { y: [1, { a: 1, b: 2 }], x: 1 }, text: 'a' }));
  });

  it('should tell different content apart, array order included', () => {
    expect(hashOf({ text: 'a' })).not.toBe(hashOf({ text: 'b' }));
    expect(hashOf([1, 2])).not.toBe(hashOf([2, 1]));
    expect(hashOf({ a: null })).not.toBe(hashOf({}));
  });
});

describe(hashOfText.name, () => {
  const fields = { chunking: { strategy: 'fixed', chunk_size: 100, chunk_overlap: 10 }, source_metadata: { b: 'x', a: [1] }, collection: 'docs' };

  async function* inParts(text: string, cuts: number[]): AsyncGenerator<string> {
    let from = 0;
    for (const cut of [...cuts].sort((a, b) => a - b)) {
      // A part never ends between the two halves of a surrogate pair.
      const at = /[\uD800-\uDBFF]/.test(text[cut - 1] ?? '') ? cut + 1 : cut;
      if (at <= from || at >= text.length) continue;
      yield text.slice(from, at);
      from = at;
    }
    yield text.slice(from);
  }

  it('should equal hashOf of the whole text, however the text is cut into parts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 300 }), fc.array(fc.nat(300)), async (text, cuts) => {
        expect(await hashOfText(fields, inParts(text, cuts))).toBe(hashOf({ ...fields, text }));
      }),
    );
    const text = 'quotes " and \\ backslashes, \n newlines, \t tabs, 😀 and \u2028';
    expect(await hashOfText(fields, inParts(text, [1, 5, 9, 31, 40, 41]))).toBe(hashOf({ text, ...fields }));
  });
});
