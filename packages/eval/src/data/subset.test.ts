import { describe, expect, it } from 'vitest';
import { parseIdList, selectSubset } from './subset.js';

const recs = [0, 1, 2, 3, 4, 6].map((index) => ({ index }));

describe('parseIdList', () => {
  it('reads numbers and ranges, sorted and unique', () => {
    expect(parseIdList('3,0-2, 2')).toEqual([0, 1, 2, 3]);
    expect(parseIdList('7')).toEqual([7]);
  });
  it('rejects bad parts', () => {
    expect(() => parseIdList('1,a')).toThrow(/"a" is not a number/);
    expect(() => parseIdList('5-2')).toThrow(/backwards/);
  });
});

describe('selectSubset', () => {
  it('limit keeps the first n in file order', () => {
    expect(selectSubset(recs, { limit: 2 }).map((r) => r.index)).toEqual([0, 1]);
  });
  it('ids select by file index; limit applies after', () => {
    expect(selectSubset(recs, { ids: [6, 1, 3] }).map((r) => r.index)).toEqual([1, 3, 6]);
    expect(selectSubset(recs, { ids: [6, 1, 3], limit: 1 }).map((r) => r.index)).toEqual([1]);
  });
  it('ids outside the file, or left out when loading, are errors naming the file', () => {
    expect(() => selectSubset(recs, { ids: [1, 99] }, 'test.json', 7)).toThrow('test.json: ids 99 are not usable records (the file has records 0-6)');
    expect(() => selectSubset(recs, { ids: [5] }, 'test.json', 7)).toThrow(/ids 5 are not usable records \(left out when loading/);
    expect(() => selectSubset(recs, { limit: -1 })).toThrow(/non-negative/);
  });
});
