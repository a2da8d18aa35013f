import { hashOf } from './status.service';

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
