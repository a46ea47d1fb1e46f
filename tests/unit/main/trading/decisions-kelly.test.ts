import { describe, expect, it } from 'vitest';
import { demoTrade, strategyContext } from '../../../fixtures/strategy-context.js';
import type { OrderIntent } from '../../../../shared/backtest/orders.js';
import type { Strategy } from '../../../../shared/backtest/strategy.js';
import { moveToTarget } from '../../../../shared/backtest/strategies/target.js';
import {
  decisionSizing,
  withDecisions,
  type PaperSizing,
  type SizingDecision,
} from '../../../../main/trading/decisions.js';

/** A strategy that wants to be at `target` units. */
const wants = (target: number): Strategy => ({ onEvent: (_event, ctx) => moveToTarget(ctx, target, 'ml') });

const flat = (mark: number, equity: number) => strategyContext(0, mark, equity);
const trade = (price: number, ts = 6_000) => demoTrade(price, ts);

const orders = (intents: readonly OrderIntent[] | null): [string, number][] =>
  (intents ?? []).flatMap((i) =>
    i.kind === 'submit' ? [[i.order.side, i.order.quantity] as [string, number]] : [],
  );

function kelly(up: () => number, extra: Partial<Extract<PaperSizing, { kind: 'kelly' }>> = {}): PaperSizing {
  return {
    kind: 'kelly',
    scale: 0.5,
    cap: 0.25,
    payoff: 1,
    maxLeverage: 1,
    stopLoss: null,
    upProbability: up,
    ...extra,
  };
}

function sizedBy(sizing: PaperSizing, target: number, sized: SizingDecision[]): Strategy {
  return withDecisions(
    wants(target),
    { sizing, exits: {}, unit: 1, lot: 0.01 },
    { onSizing: (d) => sized.push(d), onExit: () => undefined },
  );
}

describe('capped Kelly sizing on the model probability', () => {
  it('opens a long at scale x (p - (1 - p) / payoff) of equity, p = P(up)', () => {
    const sized: SizingDecision[] = [];
    // f = 0.5 x (0.6 - 0.4 / 1) = 0.1 of 100 000 = 10 000 notional at 40 -> 250 units.
    const strategy = sizedBy(
      kelly(() => 0.6),
      1,
      sized,
    );
    expect(orders(strategy.onEvent?.(trade(40), flat(40, 100_000)) ?? null)).toEqual([['buy', 250]]);
    expect(sized).toHaveLength(1);
    expect(sized[0]).toMatchObject({ rule: 'kelly', ok: true, sized: 250, payoff: 1, lot: 0.01 });
    expect(sized[0]?.winProbability).toBeCloseTo(0.6, 12);
    expect(sized[0]?.kelly).toBeCloseTo(0.1, 12);
    expect(sized[0]?.fraction).toBeCloseTo(0.1, 12);
  });

  it('opens a short on P(down) = 1 - P(up), and caps the fraction', () => {
    const sized: SizingDecision[] = [];
    // p = 1 - 0.1 = 0.9, payoff 2: 0.5 x (0.9 - 0.05) = 0.425 -> capped at 0.25: 25 000 / 50 = 500.
    const strategy = sizedBy(
      kelly(() => 0.1, { payoff: 2 }),
      -1,
      sized,
    );
    expect(orders(strategy.onEvent?.(trade(50), flat(50, 100_000)) ?? null)).toEqual([['sell', 500]]);
    expect(sized[0]?.winProbability).toBeCloseTo(0.9, 12);
    expect(sized[0]?.kelly).toBe(0.25);
  });

  it('with a stop-loss, risks f of equity on the stop distance, within the leverage cap', () => {
    const sized: SizingDecision[] = [];
    // f = 0.5 x (0.55 - 0.45) = 0.05: 5 000 at risk over a 4% stop of 100 = 4 per unit -> 1 250 units,
    // 125 000 notional: capped at 1 x equity = 1 000 units.
    const capped = sizedBy(
      kelly(() => 0.55, { stopLoss: 0.04 }),
      1,
      sized,
    );
    expect(orders(capped.onEvent?.(trade(100), flat(100, 100_000)) ?? null)).toEqual([['buy', 1_000]]);
    const roomy = sizedBy(
      kelly(() => 0.55, { stopLoss: 0.04, maxLeverage: 2 }),
      1,
      sized,
    );
    expect(orders(roomy.onEvent?.(trade(100), flat(100, 100_000)) ?? null)).toEqual([['buy', 1_250]]);
  });

  it('trades nothing without an edge or without a prediction, and says why once', () => {
    const sized: SizingDecision[] = [];
    let up = 0.5;
    const strategy = sizedBy(
      kelly(() => up),
      1,
      sized,
    );
    expect(strategy.onEvent?.(trade(40), flat(40, 100_000))).toBeNull();
    expect(strategy.onEvent?.(trade(40, 7_000), flat(40, 100_000))).toBeNull();
    expect(sized).toHaveLength(1);
    expect(sized[0]).toMatchObject({
      ok: false,
      sized: 0,
      reason: 'no edge: the Kelly fraction is 0',
      kelly: 0,
    });
    up = Number.NaN;
    expect(strategy.onEvent?.(trade(40, 8_000), flat(40, 100_000))).toBeNull();
    expect(sized[1]).toMatchObject({ ok: false, reason: 'no prediction of the model to size on' });
    up = 0.7;
    // f = 0.5 x 0.4 = 0.2 -> 20 000 / 40 = 500
    expect(orders(strategy.onEvent?.(trade(40, 9_000), flat(40, 100_000)) ?? null)).toEqual([['buy', 500]]);
    expect(sized).toHaveLength(3);
  });

  it('takes the payoff from take-profit / stop-loss when both exits are set and none is given', () => {
    const request = { kind: 'kelly', scale: 0.5, cap: 0.25, maxLeverage: 1, lot: 0.01 } as const;
    const sources = { assetVol: () => Number.NaN, upProbability: () => 0.6 };
    const both = decisionSizing(request, { stopLoss: 0.02, takeProfit: 0.05 }, sources);
    expect(both).toMatchObject({ kind: 'kelly', payoff: 2.5, stopLoss: 0.02 });
    expect(decisionSizing(request, { stopLoss: 0.02 }, sources)).toMatchObject({ payoff: 1, stopLoss: 0.02 });
    expect(
      decisionSizing({ ...request, payoff: 3 }, { stopLoss: 0.02, takeProfit: 0.05 }, sources),
    ).toMatchObject({ payoff: 3 });
    expect(decisionSizing(request, {}, sources)).toMatchObject({ payoff: 1, stopLoss: null });
  });
});
