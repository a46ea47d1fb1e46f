import { beforeAll, describe, expect, it } from 'vitest';
import type { MarketEvent } from '../../../../shared/domain/market.js';
import { FeatureSetEngine, type FeatureRows } from '../../../../shared/features/engine.js';
import type { Sampling } from '../../../../shared/features/feature-set.js';
import { createRng } from '../../../../shared/market/rng.js';
import { catalogueSet, twoInstrumentStream } from '../../../fixtures/feature-streams.js';

/**
 * Batch == streaming. The whole catalogue runs over 20 minutes of a two-instrument demo
 * stream (round-tripped through the worker's event codec) four ways: one pass, arbitrary
 * chunks drained between chunks, event by event, and "live" (small batches with the clock
 * ticking between events, rows taken through the onRow callback). The rows must be equal
 * bit for bit in every column, NaN included: the tolerance is 0 for every feature, because
 * every path applies the same operations in the same order (see engine.ts and windows.ts).
 */

const MINUTE = 60_000;

interface Matrix {
  ts: number[];
  values: number[];
}

function append(matrix: Matrix, rows: FeatureRows): void {
  for (const t of rows.ts) matrix.ts.push(t);
  for (const v of rows.values) matrix.values.push(v);
}

function onePass(events: readonly MarketEvent[], sampling: Sampling): Matrix {
  const engine = new FeatureSetEngine(catalogueSet(sampling));
  engine.onEvents(events);
  const matrix: Matrix = { ts: [], values: [] };
  append(matrix, engine.drainRows());
  return matrix;
}

function chunked(events: readonly MarketEvent[], sampling: Sampling, seed: number): Matrix {
  const engine = new FeatureSetEngine(catalogueSet(sampling));
  const rng = createRng(seed);
  const matrix: Matrix = { ts: [], values: [] };
  for (let at = 0; at < events.length;) {
    const size = rng.int(1, 20_000);
    engine.onEvents(events.slice(at, at + size));
    append(matrix, engine.drainRows());
    at += size;
  }
  return matrix;
}

function eventByEvent(events: readonly MarketEvent[], sampling: Sampling): Matrix {
  const engine = new FeatureSetEngine(catalogueSet(sampling));
  const matrix: Matrix = { ts: [], values: [] };
  for (const event of events) {
    engine.onEvent(event);
    append(matrix, engine.drainRows());
  }
  return matrix;
}

/** As the feature worker runs: batches of events, clock ticks in between, rows via onRow. */
function live(events: readonly MarketEvent[], sampling: Sampling, seed: number): Matrix {
  const matrix: Matrix = { ts: [], values: [] };
  const engine = new FeatureSetEngine(catalogueSet(sampling), {
    onRow: (ts, row) => {
      matrix.ts.push(ts);
      for (const v of row) matrix.values.push(v);
    },
  });
  const rng = createRng(seed);
  for (let at = 0; at < events.length;) {
    const size = rng.int(1, 300);
    const batch = events.slice(at, at + size);
    engine.onEvents(batch);
    at += size;
    const next = events[at];
    const last = batch[batch.length - 1];
    // As the worker does after every batch (drainSet): nothing before the batch's last time is
    // still to come, so its last book message is whole.
    if (last !== undefined) engine.advanceTo(last.ts);
    // The clock may tick anywhere up to the next event's time (never past it).
    if (next !== undefined && last !== undefined) {
      for (let tick = 0; tick < 3; tick++)
        engine.advanceTo(last.ts + Math.floor(rng.next() * (next.ts - last.ts + 1)));
    }
  }
  return matrix;
}

/** Equal bit for bit (NaN equals NaN); on failure, names the columns that differ. */
function expectIdentical(actual: Matrix, expected: Matrix, columns: readonly string[]): void {
  expect(actual.ts).toEqual(expected.ts);
  const differing = new Set<string>();
  for (let i = 0; i < expected.values.length; i++) {
    if (!Object.is(actual.values[i], expected.values[i])) differing.add(columns[i % columns.length] ?? '?');
  }
  expect([...differing]).toEqual([]);
}

describe('feature set engine parity', () => {
  let events: MarketEvent[] = [];
  beforeAll(() => {
    events = twoInstrumentStream(20 * MINUTE);
  }, 60_000);

  // Event sampling takes a row per event, so it runs over the first 5 minutes only.
  it.each<Sampling>(['event', '1s', '1m'])(
    'gives the same %s-sampled rows in one pass, in chunks, event by event and live',
    { timeout: 120_000 },
    (sampling) => {
      const stream =
        sampling === 'event' ? events.filter((e) => e.ts < (events[0]?.ts ?? 0) + 5 * MINUTE) : events;
      const batch = onePass(stream, sampling);
      expect(batch.ts.length).toBeGreaterThan(sampling === 'event' ? 50_000 : 15);
      // Not vacuous: most columns hold numbers for most of the run.
      const { width, columns } = new FeatureSetEngine(catalogueSet(sampling));
      const last = batch.values.slice(-width);
      expect(last.filter((v) => !Number.isNaN(v)).length).toBeGreaterThan(width * 0.9);

      expectIdentical(chunked(stream, sampling, 1), batch, columns);
      expectIdentical(live(stream, sampling, 2), batch, columns);
      if (sampling !== 'event') expectIdentical(eventByEvent(stream, sampling), batch, columns);
    },
  );

  it('keeps its clock promise: advanceTo never takes a row before events it has not seen', () => {
    const engine = new FeatureSetEngine(catalogueSet('1m'));
    const first = events[0];
    if (first === undefined) throw new Error('empty stream');
    engine.advanceTo(first.ts + 10 * MINUTE);
    expect(engine.drainRows().count).toBe(0);
  });
});
