import { beforeAll, describe, expect, it } from 'vitest';
import type { MarketEvent } from '../../../../shared/domain/market.js';
import { FEATURE_CATALOGUE } from '../../../../shared/features/catalogue/index.js';
import { FeatureSetEngine } from '../../../../shared/features/engine.js';
import type { Sampling } from '../../../../shared/features/feature-set.js';
import { STREAM_START, catalogueSet, twoInstrumentStream } from '../../../fixtures/feature-streams.js';

/**
 * No look-ahead, for every entry of the catalogue (a new entry is covered by being in it):
 * the row taken at time t must not change when the data after t is (a) cut off, (b) changed
 * (trades re-priced, re-sized and flipped, book sizes doubled), or (c) replaced by another
 * market's continuation (another seed). Runs with event sampling (a row per event) and 1s
 * sampling, the candle features on 1s bars so their windows fill within the stream.
 */

const MINUTE = 60_000;
const DURATION = 4 * MINUTE;
// One cut on a sampling boundary (a row is stamped exactly there), one between boundaries.
const CUT_TIMES = [STREAM_START + 2.5 * MINUTE, STREAM_START + 3.5 * MINUTE + 437];
const SAMPLINGS: readonly Sampling[] = ['event', '1s'];

function perturb(event: MarketEvent): MarketEvent {
  switch (event.kind) {
    case 'trade':
      return {
        ...event,
        price: event.price * 1.01,
        amount: event.amount * 3,
        side: event.side === 'buy' ? 'sell' : 'buy',
      };
    case 'book_delta':
      return { ...event, size: event.size * 2 };
    case 'book_snapshot':
      return event;
    default:
      return event satisfies never;
  }
}

interface Run {
  readonly ts: Float64Array;
  readonly values: Float64Array;
  readonly count: number;
}

/**
 * Rows of the whole-catalogue set over the events before `cutTime`, then the clock moved to
 * `cutTime` (as live would: no event before it is still to come), so a row stamped exactly
 * at the cut is taken too and must hold nothing from the cut onwards.
 */
function runUntil(events: readonly MarketEvent[], sampling: Sampling, cutTime: number): Run {
  const engine = new FeatureSetEngine(catalogueSet(sampling));
  engine.onEvents(events);
  engine.advanceTo(cutTime);
  return engine.drainRows();
}

/** The same, keeping only the first `limit` rows (the ones a prefix run can be compared with). */
function runFirst(events: readonly MarketEvent[], sampling: Sampling, limit: number): Run {
  const width = new FeatureSetEngine(catalogueSet(sampling)).width;
  const ts = new Float64Array(limit);
  const values = new Float64Array(limit * width);
  let count = 0;
  const engine = new FeatureSetEngine(catalogueSet(sampling), {
    onRow: (t, row) => {
      if (count >= limit) return;
      ts[count] = t;
      values.set(row, count * width);
      count++;
    },
  });
  engine.onEvents(events);
  return { ts, values, count };
}

interface Variant {
  readonly name: string;
  readonly rows: Run;
}

interface Cut {
  readonly sampling: Sampling;
  /** Rows taken with only the data up to the cut. */
  readonly prefix: Run;
  readonly variants: readonly Variant[];
}

describe('no look-ahead', () => {
  const cuts: Cut[] = [];
  let width = 0;

  beforeAll(() => {
    const events = twoInstrumentStream(DURATION);
    const other = twoInstrumentStream(DURATION, 99);
    width = new FeatureSetEngine(catalogueSet('event')).width;
    for (const sampling of SAMPLINGS) {
      for (const cutTime of CUT_TIMES) {
        const k = events.findIndex((e) => e.ts >= cutTime);
        const head = events.slice(0, k);
        const prefix = runUntil(head, sampling, cutTime);
        const limit = prefix.count;
        cuts.push({
          sampling,
          prefix,
          variants: [
            { name: 'appended', rows: runFirst(events, sampling, limit) },
            {
              name: 'perturbed',
              rows: runFirst([...head, ...events.slice(k).map(perturb)], sampling, limit),
            },
            {
              name: 'other seed',
              rows: runFirst([...head, ...other.filter((e) => e.ts >= cutTime)], sampling, limit),
            },
          ],
        });
      }
    }
  }, 120_000);

  it('compares real rows', () => {
    for (const cut of cuts) expect(cut.prefix.count).toBeGreaterThan(cut.sampling === 'event' ? 10_000 : 100);
  });

  it.each(FEATURE_CATALOGUE.map((definition) => definition.kind))(
    '%s: the value at t does not change when data after t is appended or perturbed',
    (kind) => {
      const compiled = new FeatureSetEngine(catalogueSet('event')).compiled;
      let offset = 0;
      const columns: number[] = [];
      for (const feature of compiled.features) {
        if (feature.definition.kind === kind) feature.outputs.forEach((_, i) => columns.push(offset + i));
        offset += feature.outputs.length;
      }
      expect(columns.length).toBeGreaterThan(0);
      for (const cut of cuts) {
        let defined = 0;
        for (const variant of cut.variants) {
          expect(variant.rows.count, `${variant.name} rows`).toBe(cut.prefix.count);
          let changed = 0;
          for (let r = 0; r < cut.prefix.count; r++) {
            for (const c of columns) {
              const before = cut.prefix.values[r * width + c];
              if (!Object.is(before, variant.rows.values[r * width + c])) changed++;
              if (!Number.isNaN(before)) defined++;
            }
          }
          expect(changed, `${cut.sampling} rows changed by ${variant.name} data after the cut`).toBe(0);
        }
        // The comparison is not vacuous: the feature had values before the cut.
        expect(defined).toBeGreaterThan(0);
      }
    },
  );
});
