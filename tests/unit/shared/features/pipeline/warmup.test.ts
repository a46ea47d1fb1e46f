import { describe, expect, it } from 'vitest';
import { compileFeatureSet } from '../../../../../shared/features/feature-set.js';
import { EMA_SETTLE, MIN_WARMUP_MS, warmupMs } from '../../../../../shared/features/pipeline/warmup.js';

const set = (
  features: { kind: string; params: Record<string, unknown> }[],
  sampling: '1s' | 'event' = '1s',
) => compileFeatureSet({ name: 's', instrument: 'demo:X', sampling, features });

describe('warm-up of a pool chunk', () => {
  it('is at least a minute, and a time window as long as the window', () => {
    expect(warmupMs(set([{ kind: 'spread', params: {} }]))).toBe(MIN_WARMUP_MS);
    expect(warmupMs(set([{ kind: 'vwap', params: { windowMs: 300_000 } }]))).toBe(300_000);
  });

  it('counts a candle feature in bars of its timeframe, times the settling factor', () => {
    // RSI over 14 one-minute bars: (14 + 2) bars * 8 = 128 minutes.
    expect(warmupMs(set([{ kind: 'rsi', params: { timeframe: '1m', period: 14 } }]))).toBe(
      (14 + 2) * 60_000 * EMA_SETTLE,
    );
  });
});
