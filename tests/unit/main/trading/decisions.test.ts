import { describe, expect, it } from 'vitest';
import { demoTrade, strategyContext } from '../../../fixtures/strategy-context.js';
import type { OrderIntent } from '../../../../shared/backtest/orders.js';
import type { Strategy } from '../../../../shared/backtest/strategy.js';
import { moveToTarget } from '../../../../shared/backtest/strategies/target.js';
import type { ExitSignal } from '../../../../shared/trading/exits.js';
import type { Candle } from '../../../../shared/domain/candle.js';
import { annualisedVol, withDecisions, type SizingDecision } from '../../../../main/trading/decisions.js';

/** Wants to be long one unit, always. */
const alwaysLong: Strategy = { onEvent: (_event, ctx) => moveToTarget(ctx, 1, 't') };

const context = strategyContext;
const trade = demoTrade;

function quantities(intents: readonly OrderIntent[] | null): number[] {
  return (intents ?? []).flatMap((i) => (i.kind === 'submit' ? [i.order.quantity] : []));
}

describe('paper decisions', () => {
  it('sizes a unit as fraction x equity / price rounded down to the lot, and records the inputs', () => {
    const sized: SizingDecision[] = [];
    const strategy = withDecisions(
      alwaysLong,
      { sizing: { kind: 'fixed-fraction', fraction: 0.1 }, exits: {}, unit: 1, lot: 0.01 },
      { onSizing: (d) => sized.push(d), onExit: () => undefined },
    );
    // 0.1 x 10 000 / 30.7 = 32.573... -> 32.57
    expect(quantities(strategy.onEvent?.(trade(30.7), context(0, 30.7, 10_000)) ?? null)).toEqual([32.57]);
    expect(sized).toEqual([
      {
        ts: 1_000,
        rule: 'fixed-fraction',
        equity: 10_000,
        price: 30.7,
        fraction: 0.1,
        lot: 0.01,
        unit: 1,
        sized: 32.57,
        ok: true,
        reason: null,
      },
    ]);
    // Once there, the strategy sees one unit and wants nothing more.
    expect(strategy.onEvent?.(trade(31), context(32.57, 31, 10_050, 30.7))).toBeNull();
    expect(sized).toHaveLength(1);
  });

  it('sends nothing when the sized quantity rounds to zero, and says why once', () => {
    const sized: SizingDecision[] = [];
    const strategy = withDecisions(
      alwaysLong,
      { sizing: { kind: 'fixed-fraction', fraction: 0.001 }, exits: {}, unit: 1, lot: 1 },
      { onSizing: (d) => sized.push(d), onExit: () => undefined },
    );
    expect(strategy.onEvent?.(trade(500), context(0, 500, 1_000))).toBeNull();
    expect(sized[0]).toMatchObject({ ok: false, sized: 0, reason: 'quantity rounds to zero' });
    // Asked again on the next event, the same refusal is not recorded twice.
    expect(strategy.onEvent?.(trade(500, 3_000), context(0, 500, 1_000))).toBeNull();
    expect(sized).toHaveLength(1);
  });

  it('closes a long with one reduce-only market sell when a trade touches the stop', () => {
    const exits: ExitSignal[] = [];
    const strategy = withDecisions(
      alwaysLong,
      { sizing: { kind: 'fixed' }, exits: { stopLoss: 0.02 }, unit: 1, lot: 0 },
      { onSizing: () => undefined, onExit: (e) => exits.push(e) },
    );
    const held = context(1, 99, 1_000, 100);
    expect(strategy.onEvent?.(trade(98.01, 2_000), held)).toBeNull();
    const out = strategy.onEvent?.(trade(98, 3_000), held) ?? null;
    expect(out).toEqual([
      {
        kind: 'submit',
        order: { clientId: 'exit-1', side: 'sell', type: 'market', quantity: 1, reduceOnly: true },
      },
    ]);
    expect(exits.map((e) => [e.reason, e.price, e.level])).toEqual([['stop_loss', 98, 98]]);
  });

  it('sizes to a volatility target: equity x target / asset volatility, capped by leverage', () => {
    const sized: SizingDecision[] = [];
    /** The strategy's unit is 2 and it wants one unit long. */
    const targeting = (maxLeverage: number, assetVol: number) =>
      withDecisions(
        { onEvent: (_e, ctx) => moveToTarget(ctx, 2, 't') },
        {
          sizing: { kind: 'vol-target', annualVol: 0.2, maxLeverage, assetVol: () => assetVol },
          exits: {},
          unit: 2,
          lot: 0.001,
        },
        { onSizing: (d) => sized.push(d), onExit: () => undefined },
      );
    const ask = (s: Strategy) => quantities(s.onEvent?.(trade(70), context(0, 70, 10_000)) ?? null);
    // 10 000 x 0.2 / 0.8 = 2 500 quote at 70 = 35.714...
    expect(ask(targeting(1, 0.8))).toEqual([35.714]);
    expect(sized[0]).toMatchObject({
      rule: 'vol-target',
      targetVol: 0.2,
      assetVol: 0.8,
      sized: 35.714,
      ok: true,
    });
    expect(sized[0]?.fraction).toBeCloseTo(0.25, 3);
    // A quiet market asks for 10 x equity; leverage 0.5 caps it at 5 000 quote: 71.428 at 70.
    expect(ask(targeting(0.5, 0.02))).toEqual([71.428]);
  });

  it('waits for recorded volatility before sizing to a target', () => {
    const sized: SizingDecision[] = [];
    const strategy = withDecisions(
      alwaysLong,
      {
        sizing: { kind: 'vol-target', annualVol: 0.2, maxLeverage: 1, assetVol: () => Number.NaN },
        exits: {},
        unit: 1,
        lot: 0.01,
      },
      { onSizing: (d) => sized.push(d), onExit: () => undefined },
    );
    expect(strategy.onEvent?.(trade(70), context(0, 70, 10_000))).toBeNull();
    expect(strategy.onEvent?.(trade(71), context(0, 71, 10_000))).toBeNull();
    expect(sized).toHaveLength(1);
    expect(sized[0]).toMatchObject({ ok: false, reason: 'no volatility of the instrument recorded yet' });
  });

  it('annualises the sample volatility of recorded 1m returns over the lookback', () => {
    const closes = [100, 101, 100, 102, 101, 103, 102, 104, 103, 105, 104, 106, 105];
    const candles: Candle[] = closes.map((close, i) => ({
      instrument: 'x',
      timeframe: '1m',
      openTime: i * 60_000,
      open: close,
      high: close,
      low: close,
      close,
      volume: 1,
      quoteVolume: close,
      trades: 1,
    }));
    // The newest bar is forming: returns of the first 12 closes, the last 10 of them.
    const r = closes
      .slice(0, 12)
      .slice(1)
      .map((c, i) => c / (closes[i] ?? 1) - 1)
      .slice(-10);
    const mean = r.reduce((a, b) => a + b, 0) / r.length;
    const sd = Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / (r.length - 1));
    expect(annualisedVol(candles, 10)).toBeCloseTo(sd * Math.sqrt(525_600), 12);
    expect(annualisedVol(candles, 10)).toBeGreaterThan(0);
    expect(annualisedVol(candles.slice(0, 8), 10)).toBeNaN();
  });
});
