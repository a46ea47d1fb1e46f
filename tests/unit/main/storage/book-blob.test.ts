import { describe, expect, it } from 'vitest';
import { decodeLevels, encodeLevels } from '../../../../main/storage/book-blob.js';
import type { Level } from '../../../../shared/domain/market.js';

describe('book blob', () => {
  const levels: Level[] = [
    [100.25, 3],
    [100, 0.5],
    [99.75, 12],
  ];

  it('stores each level as two little-endian float64s, best level first', () => {
    const blob = encodeLevels([[1, 2]]);

    // 1.0 = 0x3FF0000000000000 and 2.0 = 0x4000000000000000, least significant byte first.
    expect([...blob]).toEqual([0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0, 0, 0, 0, 0, 0, 0, 0x40]);
  });

  it('gives back the levels it was given', () => {
    expect(decodeLevels(encodeLevels(levels))).toEqual(levels);
  });

  it('keeps only the top levels when given a depth', () => {
    const blob = encodeLevels(levels, 2);

    expect(blob.byteLength).toBe(32);
    expect(decodeLevels(blob)).toEqual([
      [100.25, 3],
      [100, 0.5],
    ]);
  });

  it('encodes an empty side as an empty blob', () => {
    expect(encodeLevels([]).byteLength).toBe(0);
    expect(decodeLevels(new Uint8Array(0))).toEqual([]);
  });

  it('decodes a blob that does not start on an 8-byte boundary', () => {
    const padded = new Uint8Array(3 + 48);
    padded.set(encodeLevels(levels), 3);

    expect(decodeLevels(padded.subarray(3))).toEqual(levels);
  });

  it('refuses a blob that does not hold whole levels', () => {
    expect(() => decodeLevels(new Uint8Array(20))).toThrow(/whole levels of 16 bytes, got 20/);
  });
});
