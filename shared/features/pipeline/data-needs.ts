import { TIMEFRAME_MS, type Timeframe } from '../../domain/timeframes.js';
import { SAMPLING_MS, type CompiledFeatureSet } from '../feature-set.js';

/**
 * What a matrix is built from: the recorded events (trades, book snapshots and deltas) or,
 * for an instrument known only by its candles (imported klines, a CSV export), its stored bars
 * of one timeframe (the finest it has).
 */
export type MatrixDataSource =
  { readonly kind: 'events' } | { readonly kind: 'candles'; readonly timeframe: Timeframe };

/** A feature whose columns stay empty (NaN) on a data source, and why, in the trader's words. */
export interface EmptyFeature {
  readonly feature: string;
  readonly columns: readonly string[];
  readonly reason: string;
}

/**
 * The features of a set that a candle-only source cannot feed: book features (no book was
 * recorded), trade features (no trades), and candle features of a timeframe shorter than the
 * stored bars or that they do not divide (1s bars cannot come from 1m bars). Everything else
 * is computed straight from the bars. Empty on an event source: there, a NaN has the engine's
 * usual meanings (a window not full, a gap), not a missing kind of data.
 */
export function emptyFeatures(
  compiled: CompiledFeatureSet,
  source: MatrixDataSource,
  instrument: string = compiled.set.instrument,
): EmptyFeature[] {
  if (source.kind === 'events') return [];
  const barMs = TIMEFRAME_MS[source.timeframe];
  const out: EmptyFeature[] = [];
  for (const feature of compiled.features) {
    const columns = feature.outputs.map((output) => `${feature.label}.${output}`);
    let reason: string | null = null;
    if (feature.inputs.includes('book')) {
      reason = `${instrument} has no order book recorded, only ${source.timeframe} candles: book features need L2 book data`;
    } else if (feature.inputs.includes('trades')) {
      reason = `${instrument} has no trades recorded, only ${source.timeframe} candles: trade features need trades`;
    } else if (feature.timeframe !== null && TIMEFRAME_MS[feature.timeframe] % barMs !== 0) {
      reason = `${instrument} has ${source.timeframe} candles at the finest: ${feature.timeframe} bars cannot be built from them`;
    }
    if (reason !== null) out.push({ feature: feature.label, columns, reason });
  }
  return out;
}

/**
 * Why a set's sampling cannot be built from a candle-only source, or null. Rows must fall on
 * bar ends: an event-sampled row would be stamped inside its bar (at its last instant), where
 * the price that labels it (the close of the last bar closed by then) is the bar before, so a
 * label would hold a return the row's features already saw; rows finer than the bars would
 * repeat one bar many times.
 */
export function samplingProblem(compiled: CompiledFeatureSet, source: MatrixDataSource): string | null {
  if (source.kind === 'events') return null;
  const sampling = compiled.set.sampling;
  const barMs = TIMEFRAME_MS[source.timeframe];
  if (sampling === 'event' || SAMPLING_MS[sampling] % barMs !== 0) {
    return (
      `${compiled.set.instrument} has only ${source.timeframe} candles (no trades or book): ` +
      `sample the set '${compiled.set.name}' at ${source.timeframe} or a multiple of it, not '${sampling}'`
    );
  }
  return null;
}
