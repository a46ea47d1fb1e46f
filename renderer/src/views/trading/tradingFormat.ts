import { fixed, timeOfDay } from '../../format.js';

const cents = fixed(2);
const precise = new Intl.NumberFormat('en-US', { maximumFractionDigits: 8 });

/** `12,345.67`: cash, equity, PnL and notional in quote. */
export const money = (value: number): string => cents.format(value);

/** A price or a size as given, up to 8 decimals: instruments differ in ticks. */
export const amount = (value: number | null): string => (value === null ? '—' : precise.format(value));

/** `2026-11-22 03:14:07.123` UTC. */
export function stamp(ts: number): string {
  return `${new Date(ts).toISOString().slice(0, 10)} ${timeOfDay(ts)}`;
}

/** Gains green, losses red. */
export const pnlClass = (value: number): string => (value > 0 ? 'gain' : value < 0 ? 'loss' : '');
