import { describe, expect, it } from 'vitest';
import { ImportStepsSniffer } from '../../../../main/history/import-steps.js';
import { PROVISIONAL_STEPS, type InstrumentStepSizes } from '../../../../main/history/instrument-steps.js';
import { CandleColumns, TradeColumns, type MarketRows } from '../../../../main/history/trade-batch.js';
import { StepSniffer } from '../../../../shared/domain/precision.js';
import { createRng } from '../../../../shared/market/rng.js';

/** The reference: StepSniffer over every value of the prices and of the amounts, none skipped. */
function everyValueSteps(data: MarketRows): InstrumentStepSizes | null {
  const prices = new StepSniffer();
  const sizes = new StepSniffer();
  if (data.kind === 'trades') {
    prices.observeAll(data.rows.price);
    sizes.observeAll(data.rows.amount);
  } else {
    for (const column of [data.rows.open, data.rows.high, data.rows.low, data.rows.close])
      prices.observeAll(column);
    sizes.observeAll(data.rows.volume);
  }
  const tickSize = prices.step();
  return tickSize === null ? null : { tickSize, lotSize: sizes.step() ?? PROVISIONAL_STEPS.lotSize };
}

/** Trades whose prices and amounts have up to `most` decimals, some off any decimal grid. */
function trades(seed: number, most: number): TradeColumns {
  const random = createRng(seed);
  const rows = new TradeColumns();
  for (let i = 0; i < 3000; i++) {
    const decimals = Math.floor(random.next() * (most + 1));
    const price = Math.round(random.next() * 10 ** (decimals + 2)) / 10 ** decimals + 1;
    const amount = random.next() < 0.01 ? random.next() * 3 : Math.round(random.next() * 1000) / 100 + 0.01;
    rows.push(1_700_000_000_000 + i, i, null, price, amount, 1);
  }
  return rows;
}

describe('the import steps sniffer', () => {
  it.each([0, 2, 5, 8, 12])('finds the same tick and lot as every value read, up to %i decimals', (most) => {
    for (const seed of [1, 2, 3]) {
      const rows = trades(seed * 100 + most, most);
      const sniffer = new ImportStepsSniffer();
      sniffer.observe({ kind: 'trades', rows });
      expect(sniffer.steps()).toEqual(everyValueSteps({ kind: 'trades', rows }));
    }
  });

  it('gathers steps batch by batch as every value read does over the whole file', () => {
    const whole = new TradeColumns();
    const sniffer = new ImportStepsSniffer();
    for (const [seed, most] of [
      [4, 2],
      [5, 6],
      [6, 3],
    ] as const) {
      const batch = trades(seed, most);
      sniffer.observe({ kind: 'trades', rows: batch });
      for (let i = 0; i < batch.length; i++)
        whole.push(batch.ts[i] ?? 0, i, null, batch.price[i] ?? 0, batch.amount[i] ?? 0, 1);
    }
    const expected = everyValueSteps({ kind: 'trades', rows: whole });
    expect(sniffer.steps()).toEqual(expected);
    expect(expected?.tickSize).toBe(0.000001);
  });

  it('reads candles as every value read does, the lot falling back when no bar has volume', () => {
    const bars = new CandleColumns('1m');
    bars.push(0, 1.5, 1.75, 1.25, 1.625, 0, 0, 0);
    const sniffer = new ImportStepsSniffer();
    sniffer.observe({ kind: 'candles', rows: bars });
    expect(sniffer.steps()).toEqual(everyValueSteps({ kind: 'candles', rows: bars }));
    expect(new ImportStepsSniffer().steps()).toBeNull();
  });
});
