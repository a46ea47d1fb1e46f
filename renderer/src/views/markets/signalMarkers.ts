import type { Candle } from '../../../../shared/domain/candle.js';
import type { Signal } from '../../../../shared/domain/signal.js';

/** Signal markers, split by direction, in plotly's column form. */
export interface SignalMarkers {
  readonly long: { readonly times: number[]; readonly prices: number[]; readonly labels: string[] };
  readonly short: { readonly times: number[]; readonly prices: number[]; readonly labels: string[] };
  readonly count: number;
}

/**
 * Long and short signals that fall within the bars on screen (a flat signal draws nothing).
 * Older signals would stretch the time axis to the left of the first bar, so they are left out.
 */
export function signalMarkers(signals: readonly Signal[], bars: readonly Candle[]): SignalMarkers {
  const markers: SignalMarkers = {
    long: { times: [], prices: [], labels: [] },
    short: { times: [], prices: [], labels: [] },
    count: 0,
  };
  const first = bars[0];
  if (first === undefined) return markers;
  let count = 0;
  for (const signal of signals) {
    if (signal.ts < first.openTime || signal.direction === 'flat') continue;
    const side = signal.direction === 'long' ? markers.long : markers.short;
    side.times.push(signal.ts);
    side.prices.push(signal.price);
    side.labels.push(`${signal.direction} · ${signal.source} · strength ${signal.strength.toFixed(2)}`);
    count++;
  }
  return { ...markers, count };
}
