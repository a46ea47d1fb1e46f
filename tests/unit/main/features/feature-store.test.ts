import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { asFeatureSet } from '../../../../main/features/feature-service.js';
import { FeatureStore, MATRIX_CHUNK_ROWS } from '../../../../main/features/feature-store.js';
import { openDatabase, type SqliteDatabase } from '../../../../main/storage/database.js';
import { FeatureSpecError } from '../../../../shared/features/resolve.js';
import { fitNormalization } from '../../../../shared/features/pipeline/normalize.js';

const INSTRUMENT = 'demo:DEMO/USD';

describe('feature store', () => {
  let db: SqliteDatabase;
  let store: FeatureStore;

  beforeEach(() => {
    db = openDatabase(':memory:');
    let now = 1_000;
    // Sets list oldest first: each save a millisecond after the last.
    store = new FeatureStore(db, () => now++);
  });

  afterEach(() => {
    db.close();
  });

  it('saves a set in canonical form with its hash and columns, lists and deletes it', () => {
    const saved = store.saveSet({
      name: 'Imbalance',
      instrument: INSTRUMENT,
      sampling: '1s',
      features: [{ kind: 'book_imbalance', params: {} }, { kind: 'spread' }],
    });
    expect(saved.set.features[0]).toEqual({ kind: 'book_imbalance', params: { levels: 5 } });
    expect(saved.columns).toEqual(['book_imbalance(levels=5).value', 'spread().abs', 'spread().bps']);
    expect(saved.hash).toMatch(/^[0-9a-f]{64}$/);
    const renamed = store.saveSet({ ...asFeatureSet(saved.set), name: 'Other name' });
    // The name is not in the hash: a renamed set hits the same cached matrices.
    expect(renamed.hash).toBe(saved.hash);
    expect(store.listSets().map((s) => s.name)).toEqual(['Imbalance', 'Other name']);
    expect(store.deleteSet(saved.id)).toBe(true);
    expect(store.deleteSet(saved.id)).toBe(false);
    expect(store.getSet(saved.id)).toBeNull();
  });

  it('refuses a feature the catalogue does not know', () => {
    expect(() =>
      store.saveSet({ name: 'x', instrument: INSTRUMENT, features: [{ kind: 'astrology', params: {} }] }),
    ).toThrow(FeatureSpecError);
  });

  it('stores a matrix in chunks and reads back the same numbers, NaN included', () => {
    const rows = MATRIX_CHUNK_ROWS + 3;
    const ts = Float64Array.from({ length: rows }, (_, i) => 1000 + i);
    const values = Float64Array.from({ length: rows * 2 }, (_, i) => (i % 7 === 0 ? Number.NaN : i / 3));
    const key = { hash: 'h', instrument: INSTRUMENT, from: 1000, to: 1000 + rows };
    const info = store.putMatrix(key, { columns: ['a', 'b'], ts, values }, 42);
    expect(info).toMatchObject({ rows, events: 42, columns: ['a', 'b'], from: 1000 });
    expect(db.prepare('SELECT count(*) FROM feature_matrix_chunks').pluck().get()).toBe(2);
    const back = store.readMatrix(info.id);
    expect(Array.from(back?.ts ?? [])).toEqual(Array.from(ts));
    expect(Array.from(back?.values ?? [])).toEqual(Array.from(values));
    expect(store.findMatrix('h', INSTRUMENT, 1000, 1000 + rows)?.id).toBe(info.id);

    // Building the same key again replaces the cached matrix instead of keeping two.
    const again = store.putMatrix(
      key,
      { columns: ['a', 'b'], ts: ts.subarray(0, 1), values: values.subarray(0, 2) },
      1,
    );
    expect(store.listMatrices('h').map((m) => m.id)).toEqual([again.id]);
    expect(store.readMatrix(again.id)?.ts.length).toBe(1);
  });

  it('keeps normalisation statistics with the set hash', () => {
    const stats = fitNormalization(
      { columns: ['a'], ts: Float64Array.from([0, 1]), values: Float64Array.from([1, 3]) },
      'zscore',
      0,
      2,
    );
    store.saveNormalization('h', INSTRUMENT, stats);
    expect(store.normalizations('h')).toEqual([stats]);
    expect(store.normalizations('other')).toEqual([]);
  });
});
