import { describe, expect, it } from 'vitest';
import { rangeText } from '../../../../renderer/src/views/training/trainingFormat.js';
import { utcRange } from '../../../../renderer/src/views/utcTime.js';

describe('data ranges', () => {
  it('names the date on both ends and says UTC, so a range ending at the next midnight is not read as empty', () => {
    const from = Date.UTC(2026, 0, 5);
    const to = Date.UTC(2026, 0, 6);
    expect(utcRange(from, to)).toBe('2026-01-05 00:00:00 → 2026-01-06 00:00:00 UTC');
    expect(rangeText(from, from + 20 * 60_000)).toBe('2026-01-05 00:00 → 2026-01-05 00:20 UTC');
  });
});
