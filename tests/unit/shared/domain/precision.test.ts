import { describe, expect, it } from 'vitest';
import { StepSniffer, stepDecimals } from '../../../../shared/domain/precision.js';

describe('price precision', () => {
  it('shows every multiple of a step exactly', () => {
    expect(stepDecimals(0.01)).toBe(2);
    expect(stepDecimals(0.5)).toBe(1);
    expect(stepDecimals(0.125)).toBe(3);
    expect(stepDecimals(0.25)).toBe(2);
    expect(stepDecimals(1e-8)).toBe(8);
    expect(stepDecimals(0.00001)).toBe(5);
    expect(stepDecimals(5)).toBe(0);
    expect(stepDecimals(1)).toBe(0);
    // Float noise from arithmetic is not precision.
    expect(stepDecimals(0.1 + 0.2)).toBe(1);
  });

  it('falls back to cents for a step that is no step', () => {
    expect(stepDecimals(0)).toBe(2);
    expect(stepDecimals(Number.NaN)).toBe(2);
    expect(stepDecimals(-1)).toBe(2);
  });
});

describe('step inference', () => {
  it('takes the finest decimal step seen', () => {
    const prices = new StepSniffer();
    prices.observeAll([0.00141342, 0.0015, 0.00141266]);
    expect(prices.step()).toBe(1e-8);
    expect(prices.count).toBe(3);
    const halves = new StepSniffer();
    halves.observeAll([46830.5, 46821.75, 46800]);
    expect(halves.step()).toBe(0.01);
  });

  it('reads amounts as numbers, so 23.00000000 is a whole lot', () => {
    const amounts = new StepSniffer();
    amounts.observeAll([Number('23.00000000'), Number('581.00000000'), 8]);
    expect(amounts.step()).toBe(1);
  });

  it('ignores what is no price and says when it saw none', () => {
    const none = new StepSniffer();
    none.observeAll([Number.NaN, 0, -3, Number.POSITIVE_INFINITY]);
    expect(none.step()).toBeNull();
    expect(none.count).toBe(0);
  });
});
