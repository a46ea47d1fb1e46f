import { describe, expect, it } from 'vitest';
import { runCandleBacktest, type CandleSeries } from '../../../../shared/backtest/engine.js';
import { smaCrossover } from '../../../../shared/backtest/strategies/index.js';
import { config, scriptedBars, submit } from './builders.js';

// The conventions of shared/backtest/README.md, each on bars computed by hand.

const MINUTE = 60_000;

function lineBars(closes: readonly number[]): CandleSeries {
  const column = Float64Array.from(closes);
  return {
    length: closes.length,
    barMs: MINUTE,
    openTime: Float64Array.from(closes, (_, i) => i * MINUTE),
    open: column,
    high: column,
    low: column,
    close: column,
    volume: new Float64Array(closes.length).fill(1),
  };
}

const sma = (fast: number, slow: number) => smaCrossover.create(smaCrossover.params.parse({ fast, slow }));

describe('backtest conventions', () => {
  it('judges a crossover on the last non-zero difference: bars where fast == slow are no cross', () => {
    // fast 1, slow 2: fast - slow = (close - previous close) / 2, zero on an unchanged close.
    //   bar:   0   1   2   3   4   5   6   7   8   9
    // close:  10   9   9  11  11  11  10  10  12  12
    //  sign:   .   -   0   +   0   0   -   0   +   0
    // Bar 1 is the first side seen (no entry). Bar 2 ties: nothing. Bar 3 crosses up against
    // the last non-zero sign (bar 1): buy at bar 4's open 11. Bars 4-5 tie: the long is kept
    // (an exit on equality would sell here). Bar 6 crosses down: sell at bar 7's open 10. Bar 8
    // crosses up against bar 6 across the tie of bar 7: buy at bar 9's open 12.
    const result = runCandleBacktest(
      config(sma(1, 2), { fees: { maker: 0, taker: 0 } }),
      lineBars([10, 9, 9, 11, 11, 11, 10, 10, 12, 12]),
    );
    expect(result.fills.map((f) => [f.side, f.ts / MINUTE, f.price])).toEqual([
      ['buy', 4, 11],
      ['sell', 7, 10],
      ['buy', 9, 12],
    ]);
  });

  it('enters only on a cross: fast above slow from the first full bar on is no entry', () => {
    // fast 2, slow 3 on a rising line: fast > slow at every full bar and never crosses.
    const result = runCandleBacktest(config(sma(2, 3)), lineBars([1, 2, 3, 4, 5, 6, 7, 8]));
    expect(result.fills).toEqual([]);
  });

  it('fills an order decided at a close at the next bar open, or at its close as configured', () => {
    const series: CandleSeries = {
      length: 2,
      barMs: MINUTE,
      openTime: Float64Array.from([0, MINUTE]),
      open: Float64Array.from([100, 101]),
      high: Float64Array.from([100, 104]),
      low: Float64Array.from([100, 100]),
      close: Float64Array.from([100, 103]),
      volume: Float64Array.from([1, 1]),
    };
    const buy = () =>
      scriptedBars({ 0: [submit({ clientId: 'b', side: 'buy', type: 'market', quantity: 1 })] });
    const atOpen = runCandleBacktest(config(buy(), { candleFill: 'open' }), series);
    expect(atOpen.fills.map((f) => [f.ts, f.price])).toEqual([[MINUTE, 101]]);
    const atClose = runCandleBacktest(config(buy(), { candleFill: 'close' }), series);
    expect(atClose.fills.map((f) => [f.ts, f.price])).toEqual([[2 * MINUTE, 103]]);
  });

  it('charges fees on the traded notional of each side, and the exact fill prices reach the trip', () => {
    // Taker 10 bp: buy 2 at 101 (fee 0.202), sell 2 at 105 (fee 0.21): gross 8, net 7.588.
    const result = runCandleBacktest(
      config(
        scriptedBars({
          0: [submit({ clientId: 'b', side: 'buy', type: 'market', quantity: 2 })],
          1: [submit({ clientId: 's', side: 'sell', type: 'market', quantity: 2 })],
        }),
      ),
      lineBars([100, 101, 105]),
    );
    expect(result.fills.map((f) => f.fee)).toEqual([0.001 * 202, 0.001 * 210]);
    expect(result.feesPaid).toBeCloseTo(0.412, 12);
    const trip = result.trips[0];
    expect([trip?.entryPrice, trip?.exitPrice, trip?.pnl]).toEqual([101, 105, 8]);
    expect(trip?.netPnl).toBeCloseTo(7.588, 12);
    // 0 bps of slippage is 0 slippage: measured against the bar price the fill model used.
    expect(trip?.slippage).toBe(0);
  });

  it('keeps a fill price exact where notional / quantity would not be (46367.00000000001)', () => {
    const quantity = 0.0123;
    const result = runCandleBacktest(
      config(
        scriptedBars({
          0: [submit({ clientId: 'b', side: 'buy', type: 'market', quantity })],
          1: [submit({ clientId: 's', side: 'sell', type: 'market', quantity })],
        }),
        { initialCash: 100_000 },
      ),
      lineBars([46_000, 46_367, 46_400]),
    );
    expect((46_367 * quantity) / quantity).not.toBe(46_367);
    expect(result.trips[0]?.entryPrice).toBe(46_367);
  });

  it('worsens a candle fill by the slippage in basis points and reports exactly that cost', () => {
    const result = runCandleBacktest(
      config(scriptedBars({ 0: [submit({ clientId: 'b', side: 'buy', type: 'market', quantity: 2 })] }), {
        slippageBps: 10,
      }),
      lineBars([100, 100, 100]),
    );
    expect(result.fills[0]?.price).toBeCloseTo(100.1, 12);
    expect(result.fills[0]?.decisionMid).toBe(100);
  });
});
