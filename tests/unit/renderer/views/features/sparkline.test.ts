import { describe, expect, it } from 'vitest';
import {
  featureValue,
  shortColumn,
  sparklinePoints,
} from '../../../../../renderer/src/views/features/featureFormat.js';

describe('sparkline', () => {
  it('scales the values into the box, lowest at the bottom, and skips missing ones', () => {
    // 3 values over width 10: x = 0, 5, 10. min 1 -> y 4, max 3 -> y 0.
    expect(sparklinePoints([1, null, 3], 10, 4)).toBe('0.0,4.0 10.0,0.0');
    expect(sparklinePoints([2, 2], 10, 4)).toBe('0.0,2.0 10.0,2.0');
    expect(sparklinePoints([null], 10, 4)).toBe('');
  });

  it('names a column without its parameters and shows missing as a dash', () => {
    expect(shortColumn('book_imbalance(levels=5).value')).toBe('book_imbalance.value');
    expect(featureValue(null)).toBe('—');
    expect(featureValue(0.123456)).toBe('0.1235');
  });
});
