import { binaryVectorArray } from './vector-binary';

describe(binaryVectorArray.name, () => {
  it('should lay out a one-dimensional array of vector_recv elements, big-endian', () => {
    const buffer = binaryVectorArray([Float32Array.of(1.5, -2), Float32Array.of(0.25, 3)], 16_385);
    expect([0, 4, 8, 12, 16].map((at) => buffer.readInt32BE(at))).toEqual([1, 0, 16_385, 2, 1]);
    // Each element: its byte length, then dimension, an unused int16 and the floats.
    expect(buffer.readInt32BE(20)).toBe(12);
    expect([buffer.readInt16BE(24), buffer.readInt16BE(26)]).toEqual([2, 0]);
    expect([buffer.readFloatBE(28), buffer.readFloatBE(32)]).toEqual([1.5, -2]);
    expect(buffer.readInt32BE(36)).toBe(12);
    expect([buffer.readFloatBE(44), buffer.readFloatBE(48)]).toEqual([0.25, 3]);
    expect(buffer.length).toBe(52);
  });

  it('should refuse vectors of different dimensions', () => {
    expect(() => binaryVectorArray([Float32Array.of(1, 2), Float32Array.of(1)], 1)).toThrow(/different dimensions/);
  });
});
