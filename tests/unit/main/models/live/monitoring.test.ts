import { describe, expect, it } from 'vitest';
import { InputDrift } from '../../../../../main/models/live/input-drift.js';
import { LatencyWindow } from '../../../../../main/models/live/latency-window.js';
import { LiveScorecard, realisedLabel } from '../../../../../main/models/live/live-scorecard.js';
import { SetRowLog } from '../../../../../main/models/live/set-row-log.js';
import { populationStabilityIndex } from '../../../../../shared/features/pipeline/drift.js';
import { buildDataset } from '../../../../../shared/models/labels.js';
import type { LabelSpec } from '../../../../../shared/models/model.js';

const PRICES = Float64Array.from([100, 101, 100.5, 99, 99.5, 102, 101, 100, 103, 104, 102, 101]);

describe('live labels', () => {
  const specs: LabelSpec[] = [
    { kind: 'fixed-horizon', horizon: 2, threshold: 0 },
    { kind: 'fixed-horizon', horizon: 3, threshold: 0.005 },
    { kind: 'triple-barrier', horizon: 3, upper: 1, lower: 1, volWindow: 3 },
    { kind: 'forward-return', horizon: 2 },
  ];

  it('are the labels training gives the same rows, for every kind of label', () => {
    for (const spec of specs) {
      const ts = Float64Array.from(PRICES, (_, i) => 1_000 * i);
      const training = buildDataset({ columns: [], ts, values: new Float64Array(0) }, PRICES, spec);
      const rows = { from: 0, prices: PRICES };
      const live = Array.from(training.ts, (t) => realisedLabel(rows, t / 1_000, spec));
      expect(live).toEqual(Array.from(training.y));
      expect(live.length).toBeGreaterThan(4);
    }
  });

  it('are unknown for a row whose history or future is not held', () => {
    const spec: LabelSpec = { kind: 'triple-barrier', horizon: 3, upper: 1, lower: 1, volWindow: 3 };
    expect(realisedLabel({ from: 5, prices: PRICES.subarray(5) }, 6, spec)).toBeNull();
    expect(realisedLabel({ from: 0, prices: PRICES }, 10, spec)).toBeNull();
  });
});

describe('live scorecard', () => {
  it('scores predictions once their horizon has settled, over the last `window` labels', () => {
    const spec: LabelSpec = { kind: 'fixed-horizon', horizon: 2, threshold: 0 };
    const card = new LiveScorecard(spec, 2, 4, 2);
    // Row labels (up = 1): row 0 -> 100.5 > 100 up, 1 -> 99 < 101 down, 2 -> 99.5 < 100.5 down,
    // 3 -> 102 > 99 up, 4 -> 101 > 99.5 up.
    const up = [0.2, 0.8];
    const down = [0.7, 0.3];
    card.predicted(0, up); // hit
    card.predicted(1, up); // miss
    card.predicted(2, down); // hit
    card.predicted(3, up); // hit
    card.predicted(4, down); // miss
    const rows = { from: 0, prices: PRICES };
    card.mature(3, rows); // only row 0's label is decided by row 2
    expect(card.matured).toBe(1);
    expect(card.accuracy()).toBeNull();
    card.mature(7, rows);
    expect(card.matured).toBe(5);
    // The window holds the last 4: miss, hit, hit, miss.
    expect(card.accuracy()).toBe(0.5);
    expect(card.firstRowNeeded(100)).toBeNull();
  });

  it('calls a regression model right when its return has the realised sign', () => {
    const card = new LiveScorecard({ kind: 'forward-return', horizon: 2 }, 0, 10, 1);
    card.predicted(0, [0.01]); // realised log(100.5 / 100) > 0: hit
    card.predicted(1, [0.02]); // realised < 0: miss
    card.mature(10, { from: 0, prices: PRICES });
    expect(card.accuracy()).toBe(0.5);
  });
});

describe('set row log', () => {
  it('numbers rows from the first, keeps the newest and grows when asked', () => {
    const log = new SetRowLog(2, 3);
    for (let i = 0; i < 5; i++) log.push(1_000 * i, Float64Array.from([i, -i]), 0);
    expect([log.first, log.next]).toEqual([2, 5]);
    expect(Array.from(log.timesBetween(1, 5))).toEqual([Number.NaN, 2_000, 3_000, 4_000]);
    expect(Array.from(log.column(1, 10))).toEqual([-2, -3, -4]);
    log.reserve(6);
    log.push(5_000, Float64Array.from([5, -5]), 0);
    expect(Array.from(log.column(0, 10))).toEqual([2, 3, 4, 5]);
  });
});

describe('input drift', () => {
  it('is the PSI of drift.ts against the training rows, worst input first', () => {
    const rows = 1_000;
    const ts = Float64Array.from({ length: rows }, (_, i) => i);
    const values = new Float64Array(rows * 2);
    for (let i = 0; i < rows; i++) {
      values[i * 2] = Math.sin(i * 0.1);
      values[i * 2 + 1] = (i * 7919) % 101;
    }
    const drift = InputDrift.fromMatrix({ columns: ['a', 'b'], ts, values }, ['b', 'a'], 0, rows);
    const liveA = Float64Array.from({ length: 300 }, (_, i) => Math.sin(i * 0.1) + 0.3);
    const liveB = Float64Array.from({ length: 300 }, (_, i) => (i * 31) % 101);
    const reading = drift?.worst([liveB, liveA]);
    const reference = (c: number) => Float64Array.from({ length: rows }, (_, i) => values[i * 2 + c] ?? 0);
    const psiA = populationStabilityIndex(reference(0), liveA);
    const psiB = populationStabilityIndex(reference(1), liveB);
    expect(psiA).toBeGreaterThan(psiB);
    expect(reading?.column).toBe('a');
    expect(reading?.psi).toBeCloseTo(psiA, 12);
    // Too few live rows: no reading.
    expect(drift?.worst([liveB.subarray(0, 50), liveA.subarray(0, 50)])).toBeNull();
  });
});

describe('latency window', () => {
  it('gives interpolated percentiles over the newest latencies', () => {
    const window = new LatencyWindow(100);
    expect(window.quantile(0.5)).toBeNull();
    for (let i = 1; i <= 150; i++) window.add(i);
    // Holds 51..150.
    expect(window.quantile(0.5)).toBe(100.5);
    expect(window.quantile(0.99)).toBeCloseTo(149.01, 9);
  });
});
