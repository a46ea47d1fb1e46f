import { describe, expect, it } from 'vitest';
import { runConfig, type RunCosts } from '../../../../main/backtests/candle-run.js';
import { decisionSizing, withDecisions } from '../../../../main/trading/decisions.js';
import { PAPER_SIZINGS, paperDecisions, type PaperForm } from '../../../../renderer/src/stores/trading.js';
import { backtestCostsSchema } from '../../../../shared/api/domains/backtests.js';
import { paperSizingSchema } from '../../../../shared/api/domains/trading.js';
import { CandleBacktest, EventBacktest, type CandleSeries } from '../../../../shared/backtest/engine.js';
import { smaCrossover } from '../../../../shared/backtest/strategies/index.js';
import type { MarketEvent } from '../../../../shared/domain/market.js';

// One sizing module for every mode: the same strategy and rule give the same order sizes in a
// backtest (candle and event mode, main/backtests) and in paper and live trading (both start
// their strategies through withDecisions, main/trading/trading-service.ts).

const MINUTE = 60_000;
/** Closes that cross a few times (fast 2, slow 4). */
const CLOSES = [100, 99, 98, 97, 99, 102, 104, 103, 100, 97, 95, 96, 99, 103, 106, 104, 101, 98, 99, 102];

function candles(): CandleSeries {
  const close = Float64Array.from(CLOSES);
  return {
    length: CLOSES.length,
    barMs: MINUTE,
    openTime: Float64Array.from(CLOSES, (_, i) => i * MINUTE),
    open: close,
    high: close,
    low: close,
    close,
    volume: new Float64Array(CLOSES.length).fill(1),
  };
}

/**
 * The same bars as recorded events: each minute a deep book centred on the close (mid = close,
 * as the candle run's mark) and a trade at it, so the bar built from trades closes at it too.
 */
function events(): MarketEvent[] {
  return CLOSES.flatMap((price, i): MarketEvent[] => [
    {
      kind: 'book_snapshot',
      instrument: 'x',
      ts: i * MINUTE,
      seq: 2 * i,
      bids: [[price - 0.5, 1e6]],
      asks: [[price + 0.5, 1e6]],
    },
    {
      kind: 'trade',
      instrument: 'x',
      ts: i * MINUTE,
      seq: 2 * i + 1,
      id: String(i),
      price,
      amount: 1,
      side: 'buy',
    },
  ]);
}

const params = smaCrossover.params.parse({ fast: 2, slow: 4, quantity: 1 });

/** The sizing a paper or live start sends when the Trading panel's picker is set to `kind`. */
function pickedInTradingPanel(kind: PaperForm['sizing'], fraction: number) {
  const form: PaperForm = {
    venue: 'paper',
    instrument: 'x',
    strategy: 'sma-crossover',
    params: {},
    maker: 0,
    taker: 0.001,
    submitMs: 0,
    cancelMs: 0,
    initialCash: 10_000,
    modelId: null,
    sizing: kind,
    fraction,
    kellyScale: 0.5,
    kellyCap: 0.25,
    payoff: 0,
    annualVol: 0.2,
    volLookback: 60,
    lot: 0.001,
    stopLoss: 0,
    takeProfit: 0,
    trailing: 0,
  };
  // Parsed as the host parses a `trading.paper.start` request.
  return paperSizingSchema.parse(paperDecisions(form).sizing);
}

function costs(sizing: RunCosts['sizing']): RunCosts {
  return backtestCostsSchema.parse({
    initialCash: 10_000,
    fees: { maker: 0, taker: 0.001 },
    sizing,
    lot: 0.001,
  });
}

describe('sizing parity across modes', () => {
  it("offers in the Trading panel's picker every sizing the shared module has", () => {
    expect(PAPER_SIZINGS).toEqual(paperSizingSchema.options.map((option) => option.shape.kind.value));
  });

  for (const sizing of [{ kind: 'fixed-fraction', fraction: 0.5 }, { kind: 'all-in' }] as const) {
    it(`sizes ${sizing.kind} the same in backtest, paper and live`, () => {
      const run = costs(sizing);
      const backtest = new CandleBacktest({
        ...runConfig('sma-crossover', params, run, MINUTE),
        log: 'full',
      }).run(candles());
      // Paper and live: the trading service's wrapper around the same strategy.
      const sized: number[] = [];
      const venue = withDecisions(
        smaCrossover.create(params),
        {
          sizing: decisionSizing(
            pickedInTradingPanel(sizing.kind, sizing.kind === 'fixed-fraction' ? sizing.fraction : 0.1),
            {},
            { assetVol: () => Number.NaN, upProbability: () => Number.NaN },
          ),
          exits: {},
          unit: 1,
          lot: 0.001,
          takerFee: 0.001,
        },
        { onSizing: (d) => sized.push(d.sized), onExit: () => undefined },
      );
      const paper = new CandleBacktest({
        strategy: venue,
        initialCash: 10_000,
        fees: run.fees,
        account: run.account,
        lotStep: 0.001,
        log: 'full',
      }).run(candles());
      const quantities = backtest.fills.map((f) => [f.side, f.quantity]);
      expect(quantities.length).toBeGreaterThanOrEqual(3);
      expect(paper.fills.map((f) => [f.side, f.quantity])).toEqual(quantities);
      // Every entry is a multiple of the lot, sized on the equity at the decision.
      expect(sized.length).toBeGreaterThan(0);
      for (const q of sized) expect(Math.abs(q * 1000 - Math.round(q * 1000))).toBeLessThan(1e-6);
      // Event mode (bars built from trades, fills walking the book) sizes the first entry the
      // same: the same equity and the same mark at the decision. (Later ones differ by as much
      // as the fills did: at the ask rather than the next open.)
      const replay = new EventBacktest({
        ...runConfig('sma-crossover', params, run, MINUTE),
        barMs: MINUTE,
        equityIntervalMs: MINUTE,
        log: 'full',
      });
      for (const event of events()) replay.onEvent(event);
      const first = replay.finish().fills[0];
      expect(sizing.kind === 'all-in' ? first?.quantity : [first?.side, first?.quantity]).toEqual(
        sizing.kind === 'all-in'
          ? // All-in at the ask (close + 0.5) is beyond the cash: reduced by the same one rule.
            Math.floor(10_000 / ((first?.price ?? 0) * 1.001) / 0.001 + 1e-9) * 0.001
          : quantities[0],
      );
    });
  }

  it('sizes the first all-in entry as equity / (price x (1 + taker fee)) floored to the lot', () => {
    const result = new CandleBacktest({
      ...runConfig('sma-crossover', params, costs({ kind: 'all-in' }), MINUTE),
      log: 'full',
    }).run(candles());
    const first = result.fills[0];
    // Decided at bar 5 (close 102, the first cross up: fast 100.5 > slow 99), filled at bar 6's
    // open 104: the size was 10 000 / (102 x 1.001) = 97.94 floored to 97.940; at 104 that is
    // beyond the cash, so the buying power reduces it to 10 000 / (104 x 1.001) = 96.057 (one
    // rule, counted).
    expect(first?.price).toBe(104);
    expect(first?.quantity).toBe(Math.floor(10_000 / (104 * 1.001) / 0.001 + 1e-9) * 0.001);
    expect(result.orderEvents.find((e) => e.kind === 'expired')).toMatchObject({ reason: 'buying_power' });
    expect(result.reducedOrders).toBeGreaterThanOrEqual(1);
    expect(result.refusedOrders).toBe(0);
    expect(Math.min(...result.curve.equity)).toBeGreaterThan(0);
  });
});
