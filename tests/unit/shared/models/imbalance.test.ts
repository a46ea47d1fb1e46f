import { describe, expect, it } from 'vitest';
import { classWeights, oversample, sampleWeights } from '../../../../shared/models/imbalance.js';

describe('class weights', () => {
  it('are n / (k * count) over the training rows only', () => {
    const y = Float64Array.of(0, 0, 0, 1, 1, 1, 1);
    expect(Array.from(classWeights(y, 2, Int32Array.of(0, 1, 2, 3)))).toEqual([4 / 6, 2]);
    const all = classWeights(y, 3);
    expect(Array.from(all)).toEqual([7 / 9, 7 / 12, 0]);
    expect(Array.from(sampleWeights(Float64Array.of(1, 0), all))).toEqual([7 / 12, 7 / 9]);
  });
});

/** Rows 0..5 train (class 0: 0..3, class 1: 4, 5), rows 6..7 validation marked with 999. */
function data(): { x: Float64Array; y: Float64Array; train: Int32Array } {
  const x = Float64Array.of(0, 0, 1, 0, 2, 0, 3, 0, 10, 10, 12, 14, 999, 999, 999, 999);
  const y = Float64Array.of(0, 0, 0, 0, 1, 1, 1, 1);
  return { x, y, train: Int32Array.of(0, 1, 2, 3, 4, 5) };
}

describe('oversampling', () => {
  it('repeats minority training rows until the classes balance, never a validation row', () => {
    const { x, y, train } = data();
    const out = oversample(x, y, 2, train, { method: 'random', classes: 2, seed: 3 });
    expect(out.rows).toBe(8);
    expect(Array.from(out.y)).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    expect(Array.from(out.x.subarray(0, 12))).toEqual(Array.from(x.subarray(0, 12)));
    for (let r = 6; r < 8; r++) {
      const row = [out.x[r * 2], out.x[r * 2 + 1]];
      expect([
        [10, 10],
        [12, 14],
      ]).toContainEqual(row);
    }
    expect(Array.from(out.x)).not.toContain(999);
  });

  it('SMOTE puts new minority rows on segments between same-class training rows', () => {
    const { x, y, train } = data();
    const extra = Int32Array.of(0, 1, 2, 3, 4, 5);
    const wider = Float64Array.from([...x.subarray(0, 12), 20, 10]);
    const labels = Float64Array.from([...y.subarray(0, 6), 1]);
    const out = oversample(wider, labels, 2, Int32Array.of(...extra, 6), {
      method: 'smote',
      classes: 2,
      seed: 9,
      neighbours: 2,
    });
    expect(out.rows).toBe(8);
    const minority = [
      [10, 10],
      [12, 14],
      [20, 10],
    ];
    const onSegment = (px: number, py: number): boolean =>
      minority.some(([ax = 0, ay = 0]) =>
        minority.some(([bx = 0, by = 0]) => {
          if (ax === bx && ay === by) return false;
          const t = bx !== ax ? (px - ax) / (bx - ax) : (py - ay) / (by - ay);
          return (
            t >= 0 &&
            t <= 1 &&
            Math.abs(ax + t * (bx - ax) - px) < 1e-9 &&
            Math.abs(ay + t * (by - ay) - py) < 1e-9
          );
        }),
      );
    expect(onSegment(out.x[14] ?? 0, out.x[15] ?? 0)).toBe(true);
    expect(out.y[7]).toBe(1);
    const again = oversample(wider, labels, 2, Int32Array.of(...extra, 6), {
      method: 'smote',
      classes: 2,
      seed: 9,
      neighbours: 2,
    });
    expect(Array.from(again.x)).toEqual(Array.from(out.x));
    // Validation rows are outside trainIdx: the untouched data never shows up.
    const held = oversample(x, y, 2, train, { method: 'smote', classes: 2, seed: 1 });
    expect(Array.from(held.x)).not.toContain(999);
    for (let r = 6; r < held.rows; r++) expect(held.x[r * 2]).toBeGreaterThanOrEqual(10);
  });
});
