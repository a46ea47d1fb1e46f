import type { Instrument } from '../../shared/domain/market.js';
import { stepDecimals } from '../../shared/domain/precision.js';

/**
 * Decimal places that show one step (tick or lot) exactly: 0.01 -> 2, 0.5 -> 1, 0.125 -> 3,
 * 5 -> 0. The one precision rule of every price the window shows (chart axis, tape, header,
 * ladder): shared with the importer that infers a tick, so an inferred 1e-8 shows 8 decimals.
 */
export function decimalsOf(step: number): number {
  return stepDecimals(step);
}

/** Number formatters for one instrument, built once and reused on every frame. */
export interface InstrumentFormats {
  price(value: number): string;
  /** One decimal finer than a tick: a mid or microprice often sits between ticks. */
  finePrice(value: number): string;
  size(value: number): string;
}

const fallback = { tickSize: 0.01, lotSize: 0.0001 };

export function formatsFor(instrument: Pick<Instrument, 'tickSize' | 'lotSize'> | null): InstrumentFormats {
  const { tickSize, lotSize } = instrument ?? fallback;
  const price = fixed(decimalsOf(tickSize));
  const finePrice = fixed(decimalsOf(tickSize) + 1);
  const size = fixed(decimalsOf(lotSize));
  return {
    price: (value) => price.format(value),
    finePrice: (value) => finePrice.format(value),
    size: (value) => size.format(value),
  };
}

/** A grouped fixed-point formatter (`12,345.60`). */
export function fixed(decimals: number): Intl.NumberFormat {
  return new Intl.NumberFormat('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

const clock = new Intl.DateTimeFormat('en-GB', {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
  timeZone: 'UTC',
});

/** `HH:MM:SS.mmm` in UTC, the time every panel and chart uses. */
export function timeOfDay(ts: number): string {
  const millis = String(Math.trunc(ts) % 1000).padStart(3, '0');
  return `${clock.format(ts)}.${millis}`;
}

/** `1.2 MB`: sizes of files on disk. */
export function bytes(value: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let scaled = value;
  let unit = 0;
  while (scaled >= 1024 && unit < units.length - 1) {
    scaled /= 1024;
    unit++;
  }
  return `${scaled.toFixed(unit === 0 ? 0 : 1)} ${units[unit] ?? 'B'}`;
}

/** `12,345`: counts. */
export const count = fixed(0);
