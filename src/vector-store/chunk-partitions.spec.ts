import { parseBound, partitionName, partitionsToAdd } from './chunk-partitions';

describe('chunk partitions', () => {
  const partition = (seqFrom: number, seqTo: number) => ({ name: partitionName(seqFrom, seqTo), seqFrom, seqTo });

  it('should read a range bound as the (from, to] of seq it covers', () => {
    expect(parseBound('chunk_vectors_p0_100', "FOR VALUES FROM ('1') TO ('101')")).toEqual(partition(0, 100));
    expect(parseBound('chunk_vectors_p100_200', 'FOR VALUES FROM (101) TO (201)')).toEqual(partition(100, 200));
    expect(() => parseBound('odd', 'DEFAULT')).toThrow('chunk_vectors partition odd has an unexpected bound: DEFAULT');
  });

  it('should add partitions of the width until two empty ones follow the newest chunk, after the last one', () => {
    expect(partitionsToAdd([], 0, 100)).toEqual([
      { seqFrom: 0, seqTo: 100 },
      { seqFrom: 100, seqTo: 200 },
    ]);
    expect(partitionsToAdd([partition(0, 100), partition(100, 200)], 0, 100)).toEqual([]);
    expect(partitionsToAdd([partition(0, 100), partition(100, 200)], 1, 100)).toEqual([{ seqFrom: 200, seqTo: 300 }]);
    // A width changed since: the new ones start where the last ends.
    expect(partitionsToAdd([partition(0, 200_000)], 150_000, 1000)).toEqual([]);
    expect(partitionsToAdd([partition(0, 200_000)], 199_500, 1000)).toEqual([
      { seqFrom: 200_000, seqTo: 201_000 },
      { seqFrom: 201_000, seqTo: 202_000 },
    ]);
  });
});
