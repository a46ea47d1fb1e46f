import { describe, expect, it } from 'vitest';
import { fromInputTime, toInputTime, utcText } from '../../../../renderer/src/views/utcTime.js';

const T = Date.UTC(2026, 0, 5, 7, 8, 9, 450);

describe('UTC time inputs', () => {
  it('write a moment as a datetime-local value in UTC, to the second', () => {
    expect(toInputTime(T)).toBe('2026-01-05T07:08:09');
  });

  it('read a datetime-local value as UTC, whatever the zone of the machine', () => {
    expect(fromInputTime('2026-01-05T07:08:09')).toBe(Date.UTC(2026, 0, 5, 7, 8, 9));
    expect(fromInputTime('2026-01-05T07:08')).toBe(Date.UTC(2026, 0, 5, 7, 8));
  });

  it('give null for a value that is not a time (an input being cleared), so a range never becomes NaN', () => {
    expect(fromInputTime('')).toBeNull();
    expect(fromInputTime('soon')).toBeNull();
  });

  it('show a moment in tables with a space instead of the T', () => {
    expect(utcText(T)).toBe('2026-01-05 07:08:09');
  });
});
