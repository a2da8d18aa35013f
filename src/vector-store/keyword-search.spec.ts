import { termsOf } from './keyword-search';

describe(termsOf.name, () => {
  it("should split plainto_tsquery's text into its distinct operands, quoting kept", () => {
    expect(termsOf("'err-7f3a9' & 'err' & '7f3a9' & 'o''reilli' & 'err'")).toEqual(["'err-7f3a9'", "'err'", "'7f3a9'", "'o''reilli'"]);
  });

  it('should find no term in a query of stop words only, and keep the first 32 of a long one', () => {
    expect(termsOf('')).toEqual([]);
    const many = Array.from({ length: 40 }, (_, i) => `'w${i}'`);
    expect(termsOf(many.join(' & '))).toEqual(many.slice(0, 32));
  });
});
