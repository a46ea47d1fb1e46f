import { describe, expect, it } from 'vitest';
import type { BookFeatures, Signal } from '../../../../shared/domain/signal.js';
import { BookImbalanceSignal } from '../../../../shared/features/imbalance-signal.js';
import { TEST_INSTRUMENT } from '../../../fixtures/trades.js';

/** Features with the given imbalance at ts, mid 100. */
function at(ts: number, imbalance: number | null, mid: number | null = 100): BookFeatures {
  return {
    instrument: TEST_INSTRUMENT,
    ts,
    imbalance,
    spread: 0.02,
    spreadBps: 2,
    mid,
    microprice: mid,
    vwap1m: null,
  };
}

function signal(ts: number, direction: Signal['direction'], strength: number, price = 100): Signal {
  return { instrument: TEST_INSTRUMENT, ts, source: 'imbalance', direction, strength, price };
}

/** Runs the rule over (ts, imbalance) pairs and keeps the signals it fires. */
function fired(rule: BookImbalanceSignal, updates: readonly (readonly [number, number | null])[]): Signal[] {
  return updates.flatMap(([ts, imbalance]) => rule.update(at(ts, imbalance)) ?? []);
}

describe('imbalance signal (the BookImbalance strategy, live)', () => {
  const rule = (): BookImbalanceSignal =>
    new BookImbalanceSignal(TEST_INSTRUMENT, { entry: 0.35, exit: 0.1, minIntervalMs: 1_000 });

  it('goes long above the entry threshold with the imbalance as strength', () => {
    expect(
      fired(rule(), [
        [0, 0.2],
        [100, 0.34],
        [200, 0.4],
      ]),
    ).toEqual([signal(200, 'long', 0.4)]);
  });

  it('goes short below minus the entry threshold', () => {
    expect(fired(rule(), [[0, -0.5]])).toEqual([signal(0, 'short', -0.5)]);
  });

  it('holds through the hysteresis band and goes flat only below the exit threshold', () => {
    expect(
      fired(rule(), [
        [0, 0.5], // long
        [2_000, 0.3], // below entry, above exit: still long
        [3_000, 0.12],
        [4_000, 0.09], // faded: flat
        [5_000, 0.3], // flat again needs the entry threshold to go long
      ]),
    ).toEqual([signal(0, 'long', 0.5), signal(4_000, 'flat', 0)]);
  });

  it('exits a short once the imbalance rises above minus the exit threshold', () => {
    expect(
      fired(rule(), [
        [0, -0.4],
        [2_000, -0.2],
        [3_000, -0.05],
      ]),
    ).toEqual([signal(0, 'short', -0.4), signal(3_000, 'flat', 0)]);
  });

  it('flips straight from long to short when the imbalance swings past both thresholds', () => {
    expect(
      fired(rule(), [
        [0, 0.6],
        [1_500, -0.7],
      ]),
    ).toEqual([signal(0, 'long', 0.6), signal(1_500, 'short', -0.7)]);
  });

  it('waits the minimum interval after a signal, then fires if the condition still holds', () => {
    expect(
      fired(rule(), [
        [0, 0.5], // long
        [400, 0.0], // would go flat, too soon
        [999, 0.0], // still too soon
        [1_000, 0.05], // now it may
      ]),
    ).toEqual([signal(0, 'long', 0.5), signal(1_000, 'flat', 0)]);
  });

  it('drops a change that reverses before the interval is up', () => {
    expect(
      fired(rule(), [
        [0, 0.5],
        [300, 0.0], // too soon to go flat ...
        [800, 0.45], // ... and the book leans long again
        [2_000, 0.4],
      ]),
    ).toEqual([signal(0, 'long', 0.5)]);
  });

  it('fires nothing without an imbalance or a mid, and keeps its view', () => {
    const r = rule();
    expect(fired(r, [[0, 0.5]])).toHaveLength(1);
    expect(r.update(at(2_000, null))).toBeNull();
    expect(r.update(at(2_100, 0.0, null))).toBeNull();
    expect(r.position()).toBe('long');
  });

  it('clamps the strength to [-1, 1]', () => {
    expect(fired(rule(), [[0, 1.5]])).toEqual([signal(0, 'long', 1)]);
  });

  it('ignores features of another instrument', () => {
    expect(rule().update({ ...at(0, 0.9), instrument: 'demo:OTHER/USD' })).toBeNull();
  });

  it('refuses thresholds without hysteresis', () => {
    expect(() => new BookImbalanceSignal(TEST_INSTRUMENT, { entry: 0.2, exit: 0.3 })).toThrow(
      /exit must be below entry/,
    );
  });
});
