import { describe, expect, it } from 'vitest';
import { decimalsOf, formatsFor } from '../../../renderer/src/format.js';

describe('instrument formats', () => {
  it('shows XRP/ETH at a 1e-8 tick to the tick, not as 0.00', () => {
    const formats = formatsFor({ tickSize: 1e-8, lotSize: 1 });
    expect(formats.price(0.0015)).toBe('0.00150000');
    expect(formats.price(0.00141342)).toBe('0.00141342');
    expect(formats.finePrice(0.00141342)).toBe('0.001413420');
    expect(formats.size(581)).toBe('581');
  });

  it('follows an edited tick', () => {
    expect(formatsFor({ tickSize: 0.0001, lotSize: 0.1 }).price(0.0015)).toBe('0.0015');
    expect(formatsFor({ tickSize: 0.5, lotSize: 0.001 }).price(46830.5)).toBe('46,830.5');
    expect(formatsFor({ tickSize: 0.125, lotSize: 1 }).price(46830.125)).toBe('46,830.125');
  });

  it('uses cents for an instrument not known yet', () => {
    expect(formatsFor(null).price(12.3456)).toBe('12.35');
  });

  it('counts the decimals of a step exactly', () => {
    expect(decimalsOf(0.125)).toBe(3);
    expect(decimalsOf(1e-8)).toBe(8);
    expect(decimalsOf(10)).toBe(0);
  });
});
