import { describe, expect, it } from 'vitest';
import type { FeatureMatrix } from '../../../../shared/features/pipeline/matrix.js';
import type { LabelMark } from '../../../../shared/models/annotation-labels.js';
import { buildDataset, labelClasses, sequenceDataset } from '../../../../shared/models/labels.js';
import type { LabelSpec } from '../../../../shared/models/model.js';
import { purgedKFold } from '../../../../shared/models/splits.js';

/** Rows every 10 ms (ts 0, 10, ... ), one feature, a flat price so every row can be labelled. */
function matrix(rows: number): FeatureMatrix {
  return {
    columns: ['c0'],
    ts: Float64Array.from({ length: rows }, (_, i) => i * 10),
    values: Float64Array.from({ length: rows }, (_, i) => i),
  };
}
const flat = (rows: number) => new Float64Array(rows).fill(100);

const range = (from: number, to: number, label: string): LabelMark => ({ kind: 'range', from, to, label });
const point = (at: number, label: string): LabelMark => ({ kind: 'point', from: at, to: at, label });
const marked = (up: string, down: string | null = null): LabelSpec => ({
  kind: 'annotations',
  horizon: 1,
  up,
  down,
});

describe('annotation labels', () => {
  it('marks the rows inside a range and the row a point falls in; other rows are the other class', () => {
    const data = buildDataset(matrix(12), flat(12), marked('breakout'), [
      range(30, 50, 'breakout'),
      // 87 falls in the row of ts 80 (the newest row at or before it).
      point(87, 'breakout'),
      // Another label is not this model's: its rows stay unmarked.
      range(0, 20, 'regime'),
    ]);
    expect(data.classes).toBe(2);
    expect(labelClasses(marked('breakout'))).toBe(2);
    // The last row has no price `horizon` rows ahead and is dropped, as with every label kind.
    expect(Array.from(data.ts)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect(Array.from(data.y)).toEqual([0, 0, 0, 1, 1, 1, 0, 0, 1, 0, 0]);
  });

  it('gives three classes with a down label and drops rows both labels claim', () => {
    const spec = marked('long', 'short');
    const data = buildDataset(matrix(10), flat(10), spec, [
      range(10, 30, 'long'),
      range(30, 50, 'short'),
      point(5, 'short'),
    ]);
    expect(data.classes).toBe(3);
    // Row 30 is in both ranges: contradictory, so it has no label at all.
    expect(Array.from(data.ts)).toEqual([0, 10, 20, 40, 50, 60, 70, 80]);
    expect(Array.from(data.y)).toEqual([0, 2, 2, 0, 0, 1, 1, 1]);
  });

  it('labels nothing for a point before the first row', () => {
    const data = buildDataset(
      { ...matrix(4), ts: Float64Array.of(100, 110, 120, 130) },
      flat(4),
      marked('dip'),
      [point(50, 'dip')],
    );
    expect(Array.from(data.y)).toEqual([0, 0, 0]);
  });

  it("ends a marked row's label at the end of its mark, so purging clears the range on both sides of a test fold", () => {
    const rows = 20;
    const spec = marked('breakout');
    const data = buildDataset(matrix(rows), flat(rows), spec, [range(60, 120, 'breakout')]);
    // Rows 60..110 end at the range's end; row 120 at its own horizon (130); unmarked rows at ts + 10.
    expect(Array.from(data.labelEnd.slice(5, 14))).toEqual([60, 120, 120, 120, 120, 120, 120, 130, 140]);

    const folds = purgedKFold(data, { folds: 2 });
    // Test rows 0..8 (to ts 80), whose labels reach 120: training after the test loses rows 90..120.
    expect(Array.from(folds[0]?.train ?? [])).toEqual([13, 14, 15, 16, 17, 18]);
    // Test rows 9..18 (from ts 90): training before it loses the range's rows 60..80, labelled up to 120.
    expect(Array.from(folds[1]?.train ?? [])).toEqual([0, 1, 2, 3, 4, 5]);

    // The same rows on a one-row fixed horizon purge only the row next to each edge.
    const price = buildDataset(matrix(rows), flat(rows), { kind: 'fixed-horizon', horizon: 1, threshold: 0 });
    const priceFolds = purgedKFold(price, { folds: 2 });
    expect(Array.from(priceFolds[0]?.train ?? [])).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18]);
    expect(Array.from(priceFolds[1]?.train ?? [])).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('labels sequence windows by their last row, with the same label ends', () => {
    const windows = sequenceDataset(matrix(8), flat(8), marked('breakout'), 3, [range(30, 40, 'breakout')]);
    expect(Array.from(windows.ts)).toEqual([20, 30, 40, 50, 60]);
    expect(Array.from(windows.y)).toEqual([0, 1, 1, 0, 0]);
    expect(Array.from(windows.labelEnd)).toEqual([30, 40, 50, 60, 70]);
  });
});
