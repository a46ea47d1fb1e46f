import type { FeatureDefinition } from '../feature.js';
import { BOOK_FEATURES } from './book.js';
import { CANDLE_FEATURES } from './candles.js';
import { CROSS_ASSET_FEATURES } from './cross.js';
import { FREQUENCY_FEATURES } from './frequency.js';
import { REGIME_FEATURES } from './regime.js';
import { ROLLING_FEATURES } from './rolling.js';
import { TRADE_FEATURES } from './trades.js';

/**
 * Every feature the product offers, grouped by family in UI order.
 *
 * Open-interest change rate is deliberately NOT here: no source emits open interest yet, and a
 * feature with no input would only ever show NaN. It needs a MarketEvent the sources do not
 * have, e.g.
 *
 *   { kind: 'open_interest', instrument, ts, seq, openInterest: number (contracts, >= 0),
 *     openInterestValue?: number (quote currency) }
 *
 * emitted by derivatives venues (ccxt watchOpenInterest / fetchOpenInterestHistory), recorded
 * like trades, and an 'open_interest' FeatureInput the engine routes. The feature would then be
 * (OI_t - OI_{t - window}) / OI_{t - window} / window seconds, NaN where the venue has no OI.
 */
export const FEATURE_CATALOGUE: readonly FeatureDefinition[] = [
  ...BOOK_FEATURES,
  ...TRADE_FEATURES,
  ...CANDLE_FEATURES,
  ...ROLLING_FEATURES,
  ...FREQUENCY_FEATURES,
  ...CROSS_ASSET_FEATURES,
  ...REGIME_FEATURES,
];

const BY_KIND = new Map(FEATURE_CATALOGUE.map((definition) => [definition.kind, definition]));

/** The catalogue entry of a kind, or undefined. */
export function featureDefinition(kind: string): FeatureDefinition | undefined {
  return BY_KIND.get(kind);
}
