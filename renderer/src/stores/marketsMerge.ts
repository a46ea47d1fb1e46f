import type { Candle } from '../../../shared/domain/candle.js';
import type { Trade } from '../../../shared/domain/market.js';
import type { Signal } from '../../../shared/domain/signal.js';

/** How many trades the tape keeps, newest first. */
export const TAPE_LENGTH = 200;
/** How many bars a timeframe keeps in memory; older bars fall off the left of the chart. */
export const MAX_BARS = 600;
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
