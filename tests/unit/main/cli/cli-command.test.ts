import { describe, expect, it } from 'vitest';
import { fixed } from '../../../../main/cli/cli-command.js';
import { createRng } from '../../../../shared/market/rng.js';

// What toLocaleString('en-US', ...) prints, one formatter per digit count (building one per
// call, as toLocaleString does, would take the test seconds).
const FORMATS = [0, 1, 2, 3].map(
  (digits) =>
    new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }),
);
const viaIntl = (value: number, digits: number): string => FORMATS[digits]?.format(value) ?? '';

describe('fixed, the CLI number format', () => {
  it('groups thousands and rounds the shortest decimal, ties away from zero', () => {
    expect(fixed(1234567.891)).toBe('1,234,567.89');
    expect(fixed(1.005)).toBe('1.01');
    expect(fixed(-2.5, 0)).toBe('-3');
    expect(fixed(999.995)).toBe('1,000.00');
    expect(fixed(0.5, 0)).toBe('1');
    expect(fixed(-0.001)).toBe('-0.00');
    expect(fixed(42, 3)).toBe('42.000');
    expect(fixed(94_609_273_183_418_370, 0)).toBe('94,609,273,183,418,370');
  });

  it('says n/a for a missing or undefined value', () => {
    expect(fixed(null)).toBe('n/a');
    expect(fixed(undefined)).toBe('n/a');
    expect(fixed(Number.NaN)).toBe('n/a');
    expect(fixed(Number.POSITIVE_INFINITY)).toBe('n/a');
  });

  it("prints what toLocaleString('en-US') prints, over values of every magnitude", () => {
    const rng = createRng(13);
    const values = [0, -0, 1e-7, -3.2e-9, 2.5e21, 0.125, -99.5];
    for (let i = 0; i < 5_000; i++) {
      const value = (rng.next() - 0.5) * 10 ** (rng.next() * 26 - 5);
      values.push(value, Math.round(value * 1000) / 1000);
    }
    const mismatches = values.flatMap((value) =>
      [0, 1, 2, 3].flatMap((digits) =>
        fixed(value, digits) === viaIntl(value, digits) ? [] : [`${value} at ${digits}`],
      ),
    );
    expect(mismatches).toEqual([]);
  });
});
