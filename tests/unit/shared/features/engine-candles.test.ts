import { describe, expect, it } from 'vitest';
import { rollUpBars, emptyBars } from '../../../../shared/candles/roll-up.js';
import type { Candle } from '../../../../shared/domain/candle.js';
import { FeatureSetEngine, type FeatureRows } from '../../../../shared/features/engine.js';
import type { FeatureSet } from '../../../../shared/features/feature-set.js';

const INSTRUMENT = 'ftx:BTC-PERP';
const MINUTE = 60_000;
const START = Date.UTC(2024, 0, 1, 0, 0);

/** n 1m bars of a deterministic walk. */
function minuteBars(n: number): Candle[] {
  const bars: Candle[] = [];
  let price = 100;
  for (let i = 0; i < n; i++) {
    const close = price * (1 + (((i * 37) % 23) - 11) / 2000);
    bars.push({
      instrument: INSTRUMENT,
      timeframe: '1m',
      openTime: START + i * MINUTE,
      open: price,
      high: Math.max(price, close) * 1.001,
      low: Math.min(price, close) * 0.999,
      close,
      volume: 1 + (i % 7),
      quoteVolume: (1 + (i % 7)) * close,
      trades: 3,
    });
    price = close;
  }
  return bars;
}

const SET: FeatureSet = {
  name: 'bars',
  instrument: INSTRUMENT,
  sampling: '5m',
  features: [
    { kind: 'bar_return', params: { timeframe: '5m' } },
    { kind: 'rsi', params: { timeframe: '1m' } },
    { kind: 'spread', params: {} },
    { kind: 'vwap', params: {} },
  ],
};

/** Feeds bars, ticking the clock at `ticks` between them as live would; returns the rows. */
function run(bars: readonly Candle[], until: number, ticks: readonly number[] = []): FeatureRows {
  const engine = new FeatureSetEngine(SET, { maxGapMs: 2 * MINUTE });
  let tick = 0;
  for (const bar of bars) {
    while (tick < ticks.length && (ticks[tick] ?? 0) <= bar.openTime + MINUTE - 1)
      engine.advanceTo(ticks[tick++] ?? 0);
    engine.onCandle(bar);
  }
  engine.advanceTo(until);
  return engine.drainRows();
}

const column = (rows: FeatureRows, index: number): number[] =>
  Array.from({ length: rows.count }, (_, r) => rows.values[r * rows.width + index] ?? Number.NaN);

describe('feature engine on a candle-only instrument', () => {
  const bars = minuteBars(240);
  const end = START + 240 * MINUTE;

  it('computes a 5m feature from 1m bars as from the rolled-up 5m bars', () => {
    const rows = run(bars, end);
    const columns = new FeatureSetEngine(SET).columns;
    const simple = column(rows, columns.indexOf('bar_return(timeframe=5m).simple'));
    const minutes = emptyBars();
    for (const bar of bars) {
      minutes.openTime.push(bar.openTime);
      minutes.open.push(bar.open);
      minutes.high.push(bar.high);
      minutes.low.push(bar.low);
      minutes.close.push(bar.close);
      minutes.volume.push(bar.volume);
      minutes.quote.push(bar.quoteVolume);
      minutes.trades.push(bar.trades);
    }
    const fives = rollUpBars(minutes, 5 * MINUTE);
    // A row per 5m boundary after the first bar, up to and including the end.
    expect(rows.count).toBe(48);
    expect(rows.ts[0]).toBe(START + 5 * MINUTE);
    expect(simple[0]).toBeNaN();
    for (let r = 1; r < rows.count; r++) {
      const last = fives.close[r] ?? Number.NaN;
      const before = fives.close[r - 1] ?? Number.NaN;
      expect(simple[r]).toBe(last / before - 1);
    }
  });

  it('leaves book and trade features empty, and the candle ones filled', () => {
    const rows = run(bars, end);
    const columns = new FeatureSetEngine(SET).columns;
    const at = (prefix: string): number[] =>
      column(
        rows,
        columns.findIndex((c) => c.startsWith(prefix)),
      );
    expect(at('spread').every(Number.isNaN)).toBe(true);
    expect(at('vwap').every(Number.isNaN)).toBe(true);
    expect(at('rsi').slice(5).every(Number.isFinite)).toBe(true);
  });

  it('gives the same rows bit for bit however often the clock ticks between bars', () => {
    const batch = run(bars, end);
    const ticks = Array.from({ length: 2000 }, (_, i) => START + i * 7_919);
    const live = run(bars, end, ticks);
    expect(live.count).toBe(batch.count);
    expect(Array.from(live.ts)).toEqual(Array.from(batch.ts));
    expect(Array.from(live.values)).toEqual(Array.from(batch.values));
  });

  it('never lets a bar after t change a row at t', () => {
    const cut = START + 120 * MINUTE;
    const base = run(bars, end);
    const perturbed = bars.map((bar) =>
      bar.openTime + MINUTE > cut ? { ...bar, close: bar.close * 1.5, high: bar.high * 1.5 } : bar,
    );
    const changed = run(perturbed, end);
    for (let r = 0; r < base.count; r++) {
      if ((base.ts[r] ?? 0) > cut) break;
      const row = (rows: FeatureRows): number[] =>
        Array.from(rows.values.subarray(r * rows.width, (r + 1) * rows.width));
      expect(row(changed), `row at ${base.ts[r]}`).toEqual(row(base));
    }
  });

  it('refuses a bar that is no bar', () => {
    const engine = new FeatureSetEngine(SET);
    engine.onCandle({ ...bars[0], low: 200, high: 100 } as Candle);
    engine.onCandle({ ...bars[1], close: Number.NaN } as Candle);
    engine.onCandle({ ...bars[2], instrument: 'other:X/Y' } as Candle);
    expect(engine.stats()).toMatchObject({ rejected: 2, ignored: 1, events: 0 });
  });
});
