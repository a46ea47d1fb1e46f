import { TIMEFRAME_MS } from '../../../shared/domain/timeframes.js';
import type { FeatureMatrix } from '../../../shared/features/pipeline/matrix.js';
import type { FeatureStore } from '../../features/feature-store.js';
import type { MarketStore } from '../../storage/market-store.js';
import { candlesFor, priceTimeframe, rowPrices } from '../dataset.js';
import type { LiveFeatureSets } from './live-models.js';

/**
 * How far back a live row looks for the last closed candle: a quiet market has no candle in
 * every bar, and training (which reads the whole range) would have found an older one too.
 */
const LOOKBACK_BARS = 600;

/** The workspace's feature sets, matrices and candles, as live models read them. */
export function workspaceFeatureSets(features: FeatureStore, market: MarketStore): LiveFeatureSets {
  return {
    set: (id) => features.getSet(id),
    matrixCovering(hash, instrument, from, to): FeatureMatrix | null {
      let best: { id: number; overlap: number } | null = null;
      for (const matrix of features.listMatrices(hash)) {
        if (matrix.instrument !== instrument) continue;
        const overlap = Math.min(to, matrix.to) - Math.max(from, matrix.from);
        if (overlap > 0 && (best === null || overlap > best.overlap)) best = { id: matrix.id, overlap };
      }
      return best === null ? null : features.readMatrix(best.id);
    },
    rowPrices(setId, ts) {
      const stored = features.getSet(setId);
      let first = Number.POSITIVE_INFINITY;
      let last = Number.NEGATIVE_INFINITY;
      for (const t of ts) {
        if (!Number.isFinite(t)) continue;
        first = Math.min(first, t);
        last = Math.max(last, t);
      }
      if (stored === null || !(last >= first)) return new Float64Array(ts.length).fill(Number.NaN);
      const barMs = TIMEFRAME_MS[priceTimeframe(stored.set.sampling)];
      return rowPrices(ts, candlesFor(market, stored, first - LOOKBACK_BARS * barMs, last + 1));
    },
  };
}
