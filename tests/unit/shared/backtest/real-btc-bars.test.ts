import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CandleBacktest, type CandleSeries } from '../../../../shared/backtest/engine.js';
import { resultMetrics } from '../../../../shared/backtest/metrics.js';
import { smaCrossover } from '../../../../shared/backtest/strategies/index.js';
import { withSizing } from '../../../../shared/trading/sized-strategy.js';

// Real 1-minute bars (FTX BTC-PERP, 45,031 bars) from the team's reference folder beside the
// project: ../shared/marketdata (see its README). A user's clone has no such folder, so the
// test runs where it is.
const ROOT = path.resolve(import.meta.dirname, '../../../..');
const FILE = [
  path.resolve(ROOT, '../shared/marketdata/ohlcv_ftx_btcperp_1m.csv'),
  path.resolve(ROOT, '../../shared/marketdata/ohlcv_ftx_btcperp_1m.csv'),
].find((file) => existsSync(file));

function readBars(file: string): CandleSeries {
  const lines = readFileSync(file, 'utf8').trim().split('\n').slice(1);
  const column = (k: number) => Float64Array.from(lines, (line) => Number(line.split(',')[k]));
  return {
    length: lines.length,
    barMs: 60_000,
    openTime: column(0),
    open: column(1),
    high: column(2),
    low: column(3),
    close: column(4),
    volume: column(5),
  };
}

const FAST = 10;
const SLOW = 30;
const FEE = 0.001;
const LOT = 0.0001;
const CASH = 10_000;

/**
 * The same run as a plain loop: SMA 10/30 crossings on the last non-zero difference, all-in
 * (equity / (close x 1.001) floored to the lot) at the cross, filled at the next open and cut
 * to what the cash pays there, out at the next open on the cross down, 0.1% on each side.
 */
function plainLoop(bars: CandleSeries): { cash: number; position: number; trades: number } {
  let cash = CASH;
  let position = 0;
  let lastSign = 0;
  let pending = 0; // +1 buy, -1 sell at the next open
  let size = 0;
  let trades = 0;
  const floorLot = (q: number) => Math.floor(q / LOT + 1e-9) * LOT;
  for (let i = 0; i < bars.length; i++) {
    const open = bars.open[i] ?? 0;
    if (pending > 0) {
      const q = size * open * (1 + FEE) > cash ? floorLot(cash / (open * (1 + FEE))) : size;
      cash -= q * open + q * open * FEE;
      position += q;
      trades++;
    } else if (pending < 0) {
      cash += position * open - position * open * FEE;
      position = 0;
    }
    pending = 0;
    if (i + 1 < SLOW) continue;
    let fast = 0;
    let slow = 0;
    for (let k = i - SLOW + 1; k <= i; k++) slow += bars.close[k] ?? 0;
    for (let k = i - FAST + 1; k <= i; k++) fast += bars.close[k] ?? 0;
    const difference = fast * SLOW - slow * FAST;
    const sign = Math.sign(difference);
    if (sign === 0) continue;
    const crossed = lastSign !== 0 && sign !== lastSign;
    lastSign = sign;
    if (!crossed) continue;
    const close = bars.close[i] ?? 0;
    if (sign > 0 && position === 0) {
      pending = 1;
      size = Number(floorLot(cash / (close * (1 + FEE))).toFixed(4));
    } else if (sign < 0 && position > 0) {
      pending = -1;
    }
  }
  return { cash, position, trades };
}

describe.runIf(FILE !== undefined)('an SMA crossover all-in on real BTC 1m bars', () => {
  it('never lets equity go negative and ends on the value a plain loop computes', () => {
    const bars = readBars(FILE ?? '');
    expect(bars.length).toBe(45_031);
    const strategy = withSizing(smaCrossover.create(smaCrossover.params.parse({ fast: FAST, slow: SLOW })), {
      sizing: { kind: 'all-in' },
      unit: 1,
      lot: LOT,
      takerFee: FEE,
    });
    const result = new CandleBacktest({
      strategy,
      initialCash: CASH,
      fees: { maker: FEE, taker: FEE },
      candleFill: 'open',
      account: { kind: 'spot', allowShort: false },
      lotStep: LOT,
      log: 'trades',
    }).run(bars);
    expect(Math.min(...result.curve.equity)).toBeGreaterThan(0);
    expect(result.cash).toBeGreaterThanOrEqual(0);
    expect(result.ruined).toBe(false);
    const plain = plainLoop(bars);
    const last = bars.close[bars.length - 1] ?? 0;
    expect(result.trips.length + (result.position > 0 ? 1 : 0)).toBe(plain.trades);
    expect(result.position).toBeCloseTo(plain.position, 9);
    expect(result.finalEquity).toBeCloseTo(plain.cash + plain.position * last, 6);
    const metrics = resultMetrics(result, { periodsPerYear: 525_600 });
    expect(metrics.totalReturn).toBeCloseTo(result.finalEquity / CASH - 1, 12);
    expect(Number.isFinite(metrics.sharpe)).toBe(true);
  });
});
