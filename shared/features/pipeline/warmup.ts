import { TIMEFRAME_MS } from '../../domain/timeframes.js';
import { SAMPLING_MS, type CompiledFeatureSet } from '../feature-set.js';
import type { ResolvedFeature } from '../resolve.js';

/**
 * How much market time a chunk of a pool build replays before its first kept row, so that its
 * features have refilled their windows. Read from the parameters: a time window (`windowMs`,
 * or a rolling window in ms) counts as is; a candle feature counts its bar parameters
 * (period, fast, slow, signal, ...) in bars of its timeframe, times EMA_SETTLE because
 * Wilder and exponential averages keep a fading memory of every bar; a rolling window in
 * samples counts samples of the set's cadence (a second for event sampling, where the demo
 * market has hundreds of events a second). The pool never trusts this number blindly: it
 * checks every seam and falls back to one pass (matrix-pool.ts).
 */
export const MIN_WARMUP_MS = 60_000;
/** Bars of warm-up per bar of an average's period: (1 - 2/(n+1))^(8n) < 1e-6 for every n. */
export const EMA_SETTLE = 8;

const BAR_PARAMS = [
  'period',
  'fast',
  'slow',
  'signal',
  'smooth',
  'window',
  'volPeriod',
  'medianPeriod',
  'adxPeriod',
  'levels',
];

function numberParam(params: Record<string, unknown>, key: string): number {
  const value = params[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function featureWarmup(feature: ResolvedFeature, sampleMs: number): number {
  const params = feature.spec.params;
  let ms = numberParam(params, 'windowMs');
  if (feature.timeframe !== null) {
    const barMs = TIMEFRAME_MS[feature.timeframe];
    const bars = BAR_PARAMS.reduce((sum, key) => sum + numberParam(params, key), 0) + 2;
    ms = Math.max(ms, barMs * bars * EMA_SETTLE);
  }
  if (feature.inner !== null) {
    const window = numberParam(params, 'window');
    const own = params.unit === 'ms' ? window : window * sampleMs;
    ms = Math.max(ms, featureWarmup(feature.inner, sampleMs) + own);
  }
  return ms;
}

/** Warm-up for a pool build of this set, at least MIN_WARMUP_MS. */
export function warmupMs(compiled: CompiledFeatureSet): number {
  const sampling = compiled.set.sampling;
  const sampleMs = sampling === 'event' ? 1000 : SAMPLING_MS[sampling];
  return compiled.features.reduce(
    (ms, feature) => Math.max(ms, featureWarmup(feature, sampleMs)),
    MIN_WARMUP_MS,
  );
}
