import { randomUUID } from 'node:crypto';
import {
  compileFeatureSet,
  type CanonicalFeatureSet,
  type FeatureSet,
} from '../../shared/features/feature-set.js';
import type { FeatureMatrix } from '../../shared/features/pipeline/matrix.js';
import { concatMatrices } from '../../shared/features/pipeline/matrix.js';
import type { NormalizationStats } from '../../shared/features/pipeline/normalize.js';
import type { SqliteDatabase } from '../storage/database.js';

/** A feature set as the workspace keeps it: canonical, with its hash and columns. */
export interface StoredFeatureSet {
  readonly id: string;
  readonly name: string;
  readonly instrument: string;
  readonly hash: string;
  readonly set: CanonicalFeatureSet;
  readonly columns: readonly string[];
  readonly createdAt: number;
}

/** What the cache knows about one stored matrix, without its numbers. */
export interface MatrixInfo {
  readonly id: number;
  readonly setHash: string;
  readonly instrument: string;
  readonly from: number;
  readonly to: number;
  readonly columns: readonly string[];
  readonly rows: number;
  readonly events: number;
  readonly builtAt: number;
}

interface SetRow {
  id: string;
  name: string;
  instrument: string;
  hash: string;
  spec: string;
  created_at: number;
}

interface MatrixRow {
  id: number;
  set_hash: string;
  instrument: string;
  from_ts: number;
  to_ts: number;
  columns: string;
  rows: number;
  events: number;
  built_at: number;
}

/** Rows per stored chunk: a few hundred kB a blob, so reading a column never loads a day at once. */
export const MATRIX_CHUNK_ROWS = 16_384;

/**
 * Feature sets, cached matrices and fitted normalisations in the workspace database (0004).
 * Matrices are cached by (set hash, instrument, range): the hash covers everything that
 * changes the numbers, so a renamed set hits the same cache and a changed one never does.
 */
export class FeatureStore {
  private readonly sql;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly clock: () => number,
  ) {
    this.sql = {
      insertSet: db.prepare<[string, string, string, string, string, number]>(
        'INSERT INTO feature_sets (id, name, instrument, hash, spec, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      listSets: db.prepare<[], SetRow>('SELECT * FROM feature_sets ORDER BY created_at, id'),
      getSet: db.prepare<[string], SetRow>('SELECT * FROM feature_sets WHERE id = ?'),
      deleteSet: db.prepare<[string]>('DELETE FROM feature_sets WHERE id = ?'),
      findMatrix: db.prepare<[string, string, number, number], MatrixRow>(
        `SELECT * FROM feature_matrices WHERE set_hash = ? AND instrument = ? AND from_ts = ? AND to_ts = ?`,
      ),
      getMatrix: db.prepare<[number], MatrixRow>('SELECT * FROM feature_matrices WHERE id = ?'),
      listMatrices: db.prepare<[string], MatrixRow>(
        'SELECT * FROM feature_matrices WHERE set_hash = ? ORDER BY built_at DESC, id DESC',
      ),
      deleteMatrix: db.prepare<[number]>('DELETE FROM feature_matrices WHERE id = ?'),
      insertMatrix: db.prepare<
        [string, string, number, number, string, number, number, number],
        { id: number }
      >(
        `INSERT INTO feature_matrices (set_hash, instrument, from_ts, to_ts, columns, rows, events, built_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      ),
      insertChunk: db.prepare<[number, number, number, Buffer, Buffer]>(
        'INSERT INTO feature_matrix_chunks (matrix, chunk, rows, ts, vals) VALUES (?, ?, ?, ?, ?)',
      ),
      chunks: db
        .prepare<[number], [number, Buffer, Buffer]>(
          'SELECT rows, ts, vals FROM feature_matrix_chunks WHERE matrix = ? ORDER BY chunk',
        )
        .raw(),
      upsertNormalization: db.prepare<[string, string, string, number, number, string, number]>(
        `INSERT INTO feature_normalizations (set_hash, instrument, method, train_from, train_to, stats, fitted_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (set_hash, instrument, method, train_from, train_to)
         DO UPDATE SET stats = excluded.stats, fitted_at = excluded.fitted_at`,
      ),
      normalizations: db.prepare<[string], { stats: string }>(
        'SELECT stats FROM feature_normalizations WHERE set_hash = ? ORDER BY fitted_at DESC, id DESC',
      ),
    };
  }

  /** Checks the set against the catalogue (throws FeatureSpecError) and stores it canonical. */
  saveSet(input: FeatureSet): StoredFeatureSet {
    const compiled = compileFeatureSet(input);
    const id = randomUUID();
    const createdAt = this.clock();
    const { id: _ignored, ...spec } = compiled.set;
    this.sql.insertSet.run(id, spec.name, spec.instrument, compiled.hash, JSON.stringify(spec), createdAt);
    return {
      id,
      name: spec.name,
      instrument: spec.instrument,
      hash: compiled.hash,
      set: { ...spec, id },
      columns: compiled.columns,
      createdAt,
    };
  }

  listSets(): StoredFeatureSet[] {
    return this.sql.listSets.all().flatMap((row) => {
      const stored = this.fromRow(row);
      return stored === null ? [] : [stored];
    });
  }

  getSet(id: string): StoredFeatureSet | null {
    const row = this.sql.getSet.get(id);
    return row === undefined ? null : this.fromRow(row);
  }

  /** Deletes the set; its cached matrices stay (another set may share the hash). */
  deleteSet(id: string): boolean {
    return this.sql.deleteSet.run(id).changes > 0;
  }

  findMatrix(hash: string, instrument: string, from: number, to: number): MatrixInfo | null {
    const row = this.sql.findMatrix.get(hash, instrument, from, to);
    return row === undefined ? null : matrixInfo(row);
  }

  matrixInfo(id: number): MatrixInfo | null {
    const row = this.sql.getMatrix.get(id);
    return row === undefined ? null : matrixInfo(row);
  }

  listMatrices(hash: string): MatrixInfo[] {
    return this.sql.listMatrices.all(hash).map(matrixInfo);
  }

  /** Stores a matrix in chunks of float64 blobs, replacing one cached for the same key. */
  putMatrix(
    key: { hash: string; instrument: string; from: number; to: number },
    matrix: FeatureMatrix,
    events: number,
  ): MatrixInfo {
    const width = matrix.columns.length;
    const rows = matrix.ts.length;
    const write = this.db.transaction((): number => {
      const old = this.sql.findMatrix.get(key.hash, key.instrument, key.from, key.to);
      if (old !== undefined) this.sql.deleteMatrix.run(old.id);
      const inserted = this.sql.insertMatrix.get(
        key.hash,
        key.instrument,
        key.from,
        key.to,
        JSON.stringify(matrix.columns),
        rows,
        events,
        this.clock(),
      );
      if (inserted === undefined) throw new Error('inserting a feature matrix returned no id');
      for (let chunk = 0, first = 0; first < rows || (rows === 0 && chunk === 0); chunk++) {
        const end = Math.min(rows, first + MATRIX_CHUNK_ROWS);
        this.sql.insertChunk.run(
          inserted.id,
          chunk,
          end - first,
          float64Blob(matrix.ts.subarray(first, end)),
          float64Blob(matrix.values.subarray(first * width, end * width)),
        );
        first = end;
        if (rows === 0) break;
      }
      return inserted.id;
    });
    const id = write.immediate();
    const info = this.matrixInfo(id);
    if (info === null) throw new Error(`feature matrix ${id} vanished after it was written`);
    return info;
  }

  /** The whole matrix, read back from its chunks. */
  readMatrix(id: number): FeatureMatrix | null {
    const info = this.matrixInfo(id);
    if (info === null) return null;
    const parts: FeatureMatrix[] = this.sql.chunks
      .all(id)
      .map(([, ts, vals]) => ({ columns: info.columns, ts: fromBlob(ts), values: fromBlob(vals) }));
    return concatMatrices(info.columns, parts);
  }

  deleteMatrix(id: number): boolean {
    return this.sql.deleteMatrix.run(id).changes > 0;
  }

  saveNormalization(hash: string, instrument: string, stats: NormalizationStats): void {
    this.sql.upsertNormalization.run(
      hash,
      instrument,
      stats.method,
      stats.trainFrom,
      stats.trainTo,
      JSON.stringify(stats),
      this.clock(),
    );
  }

  normalizations(hash: string): NormalizationStats[] {
    return this.sql.normalizations.all(hash).map((row) => JSON.parse(row.stats) as NormalizationStats);
  }

  private fromRow(row: SetRow): StoredFeatureSet | null {
    const spec = JSON.parse(row.spec) as FeatureSet;
    let columns: readonly string[];
    let set: CanonicalFeatureSet;
    try {
      const compiled = compileFeatureSet(spec);
      columns = compiled.columns;
      set = { ...compiled.set, id: row.id };
    } catch {
      // A set saved by a build whose catalogue had a feature this one lacks: listed, not run.
      return null;
    }
    return {
      id: row.id,
      name: row.name,
      instrument: row.instrument,
      hash: row.hash,
      set,
      columns,
      createdAt: row.created_at,
    };
  }
}

function matrixInfo(row: MatrixRow): MatrixInfo {
  return {
    id: row.id,
    setHash: row.set_hash,
    instrument: row.instrument,
    from: row.from_ts,
    to: row.to_ts,
    columns: JSON.parse(row.columns) as string[],
    rows: row.rows,
    events: row.events,
    builtAt: row.built_at,
  };
}

// Every platform the app ships on is little-endian (see book-blob.ts), so a Float64Array's
// bytes are the stored format as they are.
function float64Blob(values: Float64Array): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

function fromBlob(blob: Buffer): Float64Array {
  if (blob.byteLength % 8 !== 0) throw new RangeError(`a float64 blob of ${blob.byteLength} bytes`);
  // Copy: the Buffer better-sqlite3 returns need not start on an 8-byte boundary.
  const out = new Float64Array(blob.byteLength / 8);
  new Uint8Array(out.buffer).set(blob);
  return out;
}
