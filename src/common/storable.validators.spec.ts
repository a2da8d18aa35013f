import { isStorableText, jsonLimitViolation } from './storable.validators';

describe(jsonLimitViolation.name, () => {
  const limits = { maxBytes: 100, maxDepth: 3 };
  const nested = (depth: number): unknown => {
    let value: unknown = 1;
    for (let i = 0; i < depth; i++) value = { a: value };
    return value;
  };

  it('should accept a small value within the depth limit', () => {
    expect(jsonLimitViolation({ a: { b: { c: 'd' } } }, limits)).toBeUndefined();
    expect(jsonLimitViolation({}, limits)).toBeUndefined();
  });

  it('should reject a value over the size limit, counting UTF-8 bytes', () => {
    expect(jsonLimitViolation({ s: 'é'.repeat(50) }, limits)).toMatch(/at most 100 bytes/);
  });

  it('should reject a value nested too deep, arrays included, without recursing', () => {
    expect(jsonLimitViolation({ a: [[1]] }, limits)).toBeUndefined();
    expect(jsonLimitViolation({ a: [[[1]]] }, limits)).toMatch(/nested at most 3/);
    expect(jsonLimitViolation(nested(100_000), { maxBytes: Infinity, maxDepth: 8 })).toMatch(/nested at most 8/);
  });

  it('should reject NUL characters and unpaired surrogates in keys and strings', () => {
    expect(jsonLimitViolation({ 'a\u0000': 1 }, limits)).toMatch(/NUL/);
    expect(jsonLimitViolation({ a: ['x\ud800'] }, limits)).toMatch(/NUL/);
  });
});

describe(isStorableText.name, () => {
  it('should accept paired surrogates (emoji) and reject NUL or a lone surrogate', () => {
    expect(isStorableText('ok 🙂')).toBe(true);
    expect(isStorableText('nul\u0000')).toBe(false);
    expect(isStorableText('\udc00 low alone')).toBe(false);
    expect(isStorableText('high alone \ud83d')).toBe(false);
  });
});
