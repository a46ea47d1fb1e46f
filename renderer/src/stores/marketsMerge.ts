import type { Candle } from '../../../shared/domain/candle.js';
import type { Trade } from '../../../shared/domain/market.js';
import type { Signal } from '../../../shared/domain/signal.js';

/** How many trades the tape keeps, newest first. */
export const TAPE_LENGTH = 200;
/**
 * How many bars a timeframe keeps in memory: scrolling back stops here (a longer timeframe
 * reaches further), and live bars beyond it push the oldest off the left of the chart. Ten
 * thousand candles still draw and pan smoothly; a week of 1m bars fits.
 */
export const MAX_BARS = 10_000;
/** How many signals the chart keeps for markers. */
export const MAX_SIGNALS = 500;

/**
 * Merges changed bars into bars sorted by `openTime`: a bar with a known `openTime` replaces
 * it, a new one is inserted in order. The live feed almost always touches only the last bar,
 * so that case is a copy and a write; anything else falls back to a binary search.
 */
export function mergeCandles(bars: readonly Candle[], changed: readonly Candle[]): readonly Candle[] {
  if (changed.length === 0) return bars;
  const merged = bars.slice();
  for (const bar of changed) {
    const last = merged[merged.length - 1];
    if (last === undefined || bar.openTime > last.openTime) {
      merged.push(bar);
      continue;
    }
    const index = lowerBound(merged, bar.openTime);
    if (merged[index]?.openTime === bar.openTime) merged[index] = bar;
    else merged.splice(index, 0, bar);
  }
  return merged.length > MAX_BARS ? merged.slice(merged.length - MAX_BARS) : merged;
}

/**
 * Loaded history under bars that arrived live while it was in flight: the live bars are newer
 * than any recorded copy of the same bar, so they win.
 */
export function mergeCandleHistory(history: readonly Candle[], live: readonly Candle[]): readonly Candle[] {
  const sorted = isSortedByOpenTime(history) ? history : history.toSorted((a, b) => a.openTime - b.openTime);
  return mergeCandles(sorted, live);
}

/**
 * Bars of an older page (oldest first) under the bars already loaded: only bars opening
 * before the earliest loaded one are added, so a page that overlaps what is shown (a bar that
 * closed while the page was in flight) adds nothing twice. Never grows past MAX_BARS: the
 * newest older bars are kept, the ones beyond the cap are left unloaded.
 */
export function addOlderCandles(bars: readonly Candle[], older: readonly Candle[]): readonly Candle[] {
  const earliest = bars[0];
  const sorted = isSortedByOpenTime(older) ? older : older.toSorted((a, b) => a.openTime - b.openTime);
  const before = earliest === undefined ? sorted : sorted.filter((bar) => bar.openTime < earliest.openTime);
  const unique = before.filter((bar, i) => i === 0 || before[i - 1]?.openTime !== bar.openTime);
  const room = MAX_BARS - bars.length;
  if (room <= 0 || unique.length === 0) return bars;
  return unique.slice(Math.max(0, unique.length - room)).concat(bars);
}

/**
 * Prepends a batch (oldest first, as the topic sends it) to a tape kept newest first. A trade
 * not newer than the top of the tape was already shown (a resent batch) and is skipped.
 */
export function addToTape(tape: readonly Trade[], batch: readonly Trade[]): readonly Trade[] {
  const newest = tape[0];
  const fresh = newest === undefined ? batch : batch.filter((trade) => isBefore(newest, trade));
  if (fresh.length === 0) return tape;
  const newestFirst = fresh.toReversed();
  if (newestFirst.length >= TAPE_LENGTH) return newestFirst.slice(0, TAPE_LENGTH);
  return newestFirst.concat(tape.slice(0, TAPE_LENGTH - newestFirst.length));
}

/**
 * The tape after recorded trades (oldest first) load under trades already received live:
 * only recorded trades older than the oldest live one are added, so none shows twice.
 */
export function addTapeHistory(tape: readonly Trade[], history: readonly Trade[]): readonly Trade[] {
  const oldestLive = tape[tape.length - 1];
  const older = oldestLive === undefined ? history : history.filter((trade) => isBefore(trade, oldestLive));
  const newestFirst = older.toReversed();
  return tape.concat(newestFirst).slice(0, TAPE_LENGTH);
}

/** Appends live signals to signals kept oldest first, dropping the oldest beyond the cap. */
export function addSignals(signals: readonly Signal[], added: readonly Signal[]): readonly Signal[] {
  if (added.length === 0) return signals;
  const merged = signals.concat(added);
  return merged.length > MAX_SIGNALS ? merged.slice(merged.length - MAX_SIGNALS) : merged;
}

/** Recorded signals (oldest first) under signals already received live, without duplicates. */
export function addSignalHistory(signals: readonly Signal[], history: readonly Signal[]): readonly Signal[] {
  const firstLive = signals[0];
  const older = firstLive === undefined ? history : history.filter((signal) => signal.ts < firstLive.ts);
  const merged = older.concat(signals);
  return merged.length > MAX_SIGNALS ? merged.slice(merged.length - MAX_SIGNALS) : merged;
}

function isBefore(a: Trade, b: Trade): boolean {
  return a.ts < b.ts || (a.ts === b.ts && a.seq < b.seq);
}

function lowerBound(bars: readonly Candle[], openTime: number): number {
  let low = 0;
  let high = bars.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const bar = bars[middle];
    if (bar !== undefined && bar.openTime < openTime) low = middle + 1;
    else high = middle;
  }
  return low;
}

function isSortedByOpenTime(bars: readonly Candle[]): boolean {
  for (let i = 1; i < bars.length; i++) {
    const previous = bars[i - 1];
    const current = bars[i];
    if (previous !== undefined && current !== undefined && previous.openTime > current.openTime) return false;
  }
  return true;
}
