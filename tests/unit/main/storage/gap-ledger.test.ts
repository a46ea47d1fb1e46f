import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../../main/storage/database.js';
import { GapLedger } from '../../../../main/storage/gap-ledger.js';

function ledger(): GapLedger {
  return new GapLedger(openDatabase(':memory:'), () => 5_000);
}

describe('gap ledger', () => {
  it('records gaps and lists those overlapping a range, oldest first', () => {
    const gaps = ledger();
    gaps.record({ instrument: 'binance:ETH/USDT', kind: 'trades', fromTs: 300, toTs: 400, reason: 'lost' });
    gaps.record({ instrument: 'binance:ETH/USDT', kind: 'book', fromTs: 100, toTs: 200, reason: 'gap' });
    gaps.record({ instrument: 'binance:BTC/USDT', kind: 'trades', fromTs: 150, toTs: 150, reason: 'x' });

    expect(gaps.list('binance:ETH/USDT').map((g) => [g.kind, g.fromTs, g.toTs])).toEqual([
      ['book', 100, 200],
      ['trades', 300, 400],
    ]);
    // [200, 299] touches the book gap's last ms only.
    expect(gaps.list('binance:ETH/USDT', 200, 299).map((g) => g.kind)).toEqual(['book']);
    expect(gaps.list(undefined, 140, 160).map((g) => g.instrument)).toEqual([
      'binance:ETH/USDT',
      'binance:BTC/USDT',
    ]);
    expect(gaps.list()[0]).toMatchObject({ recordedAt: 5_000, reason: 'gap' });
  });

  it('refuses an interval that ends before it starts', () => {
    expect(() =>
      ledger().record({ instrument: 'i', kind: 'trades', fromTs: 2, toTs: 1, reason: 'r' }),
    ).toThrow(RangeError);
  });
});
