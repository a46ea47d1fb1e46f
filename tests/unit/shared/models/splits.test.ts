import { describe, expect, it } from 'vitest';
import { createRng } from '../../../../shared/market/rng.js';
import {
  purgedKFold,
  purgedWalkForward,
  type LabelledTimes,
  type PurgedFold,
} from '../../../../shared/models/splits.js';

function ladder(rows: number, horizon: number): LabelledTimes {
  const ts = Float64Array.from({ length: rows }, (_, i) => i);
  return { ts, labelEnd: Float64Array.from(ts, (t) => Math.min(rows - 1, t + horizon)) };
}

/** Random times with gaps and ties, label ends 0..12 rows ahead. */
function randomTimes(seed: number): LabelledTimes {
  const rng = createRng(seed);
  const rows = rng.int(40, 300);
  const ts = new Float64Array(rows);
  for (let i = 1; i < rows; i++) ts[i] = (ts[i - 1] ?? 0) + rng.int(0, 5) * 1000;
  const labelEnd = Float64Array.from(ts, (_, i) => ts[Math.min(rows - 1, i + rng.int(0, 13))] ?? 0);
  return { ts, labelEnd };
}

function assertNoOverlap(data: LabelledTimes, fold: PurgedFold): void {
  for (const t of fold.train) {
    for (const k of fold.test) {
      const overlaps =
        (data.ts[t] ?? 0) <= (data.labelEnd[k] ?? 0) && (data.ts[k] ?? 0) <= (data.labelEnd[t] ?? 0);
      if (overlaps) throw new Error(`training row ${t} overlaps test row ${k}`);
    }
  }
}

describe('purged k-fold', () => {
  it('purges training rows whose label reaches into the test block and embargoes rows after it', () => {
    const folds = purgedKFold(ladder(10, 2), { folds: 5 });
    expect(folds.map((f) => Array.from(f.test))).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
      [6, 7],
      [8, 9],
    ]);
    // Test [2, 3] spans times [2, 5]: rows 0, 1 (labels to 2, 3) and 4, 5 are purged.
    expect(Array.from(folds[1]?.train ?? [])).toEqual([6, 7, 8, 9]);
    const embargoed = purgedKFold(ladder(10, 2), { folds: 5, embargo: { rows: 3 } });
    expect(Array.from(embargoed[1]?.train ?? [])).toEqual([7, 8, 9]);
    const byTime = purgedKFold(ladder(10, 0), { folds: 5, embargo: { ms: 2 } });
    expect(Array.from(byTime[1]?.train ?? [])).toEqual([0, 1, 6, 7, 8, 9]);
  });

  it('never lets a training label window overlap a test row, respects the embargo, keeps time order', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const data = randomTimes(seed);
      const rows = data.ts.length;
      const embargo = seed % 2 === 0 ? { rows: 1 + (seed % 7) } : { ms: 1000 * (seed % 9) };
      const folds = purgedKFold(data, { folds: 2 + (seed % 5), embargo });
      let next = 0;
      for (const fold of folds) {
        assertNoOverlap(data, fold);
        expect(fold.test[0]).toBe(next);
        next = (fold.test[fold.test.length - 1] ?? 0) + 1;
        const testEnd = next;
        const lastTs = data.ts[testEnd - 1] ?? 0;
        for (const t of fold.train) {
          if (t < testEnd) continue;
          if ('rows' in embargo) expect(t - testEnd).toBeGreaterThanOrEqual(embargo.rows);
          else expect((data.ts[t] ?? 0) - lastTs).toBeGreaterThan(embargo.ms);
        }
        for (let i = 1; i < fold.train.length; i++)
          expect(fold.train[i]).toBeGreaterThan(fold.train[i - 1] ?? 0);
      }
      expect(next).toBe(rows);
    }
  });
});

describe('purged walk-forward', () => {
  it('trains only on earlier rows, purged, rolling or anchored', () => {
    const rolling = purgedWalkForward(ladder(12, 1), { train: 4, test: 3 });
    expect(rolling.map((f) => [Array.from(f.train), Array.from(f.test)])).toEqual([
      [
        [0, 1, 2],
        [4, 5, 6],
      ],
      [
        [3, 4, 5],
        [7, 8, 9],
      ],
    ]);
    const anchored = purgedWalkForward(ladder(12, 1), { train: 4, test: 3, anchored: true });
    expect(Array.from(anchored[1]?.train ?? [])).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('never overlaps on random datasets and marches forward', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const data = randomTimes(seed);
      const folds = purgedWalkForward(data, {
        train: 20,
        test: 10,
        step: 5 + (seed % 6),
        anchored: seed % 2 === 0,
      });
      expect(folds.length).toBeGreaterThan(0);
      let previous = -1;
      for (const fold of folds) {
        assertNoOverlap(data, fold);
        expect(fold.test[0]).toBeGreaterThan(previous);
        previous = fold.test[0] ?? 0;
        for (const t of fold.train) expect(t).toBeLessThan(fold.test[0] ?? 0);
      }
    }
  });

  it('rejects times that go backwards or labels that end before they start', () => {
    expect(() =>
      purgedKFold({ ts: Float64Array.of(0, 2, 1), labelEnd: Float64Array.of(3, 3, 3) }, { folds: 2 }),
    ).toThrow(/backwards/);
    expect(() =>
      purgedKFold({ ts: Float64Array.of(0, 1), labelEnd: Float64Array.of(0, 0) }, { folds: 2 }),
    ).toThrow(/before its time/);
  });
});
